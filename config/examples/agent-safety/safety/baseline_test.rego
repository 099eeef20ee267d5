package safety.baseline_test

import rego.v1

import data.safety.baseline

test_plain_read_allowed if {
	baseline.allow with input as {"tool": "read", "path": "/repo/src/main.go"}
	count(baseline.deny) == 0 with input as {"tool": "read", "path": "/repo/src/main.go"}
}

test_env_read_denied if {
	baseline.deny["access to secret file /repo/.env is denied"] with input as {"tool": "read", "path": "/repo/.env"}
	baseline.deny["access to secret file /repo/.env.production is denied"] with input as {"tool": "read", "path": "/repo/.env.production"}
}

test_keys_denied if {
	baseline.deny["access to secret file /home/u/.ssh/id_ed25519 is denied"] with input as {"tool": "read", "path": "/home/u/.ssh/id_ed25519"}
	baseline.deny["access to secret file /srv/tls/server.key is denied"] with input as {"tool": "read", "path": "/srv/tls/server.key"}
}

test_envrc_is_not_a_secret if {
	count(baseline.deny) == 0 with input as {"tool": "read", "path": "/repo/.envrc"}
}

test_policy_write_denied if {
	baseline.deny["writing policy file /repo/policy/authz.rego is denied"] with input as {"tool": "edit", "path": "/repo/policy/authz.rego"}
	baseline.deny["writing policy file /etc/policyd/keys/pub.pem is denied"] with input as {"tool": "write", "path": "/etc/policyd/keys/pub.pem"}
}

test_policy_read_allowed if {
	count(baseline.deny) == 0 with input as {"tool": "read", "path": "/repo/policy/authz.rego"}
}

test_terraform_plan_allowed if {
	count(baseline.escalate) == 0 with input as {"tool": "shell", "command": "terraform plan -out=tf.plan"}
	count(baseline.deny) == 0 with input as {"tool": "shell", "command": "terraform plan -out=tf.plan"}
}

test_terraform_apply_escalates if {
	baseline.escalate["terraform apply needs approval"] with input as {"tool": "shell", "command": "terraform  apply tf.plan"}
}

test_terraform_auto_approve_denied if {
	baseline.deny["terraform apply with -auto-approve is denied"] with input as {"tool": "shell", "command": "terraform apply -auto-approve"}
}

test_push_main_denied if {
	baseline.deny["push to protected branch main is denied"] with input as {"tool": "git.push", "branch": "main"}
	baseline.deny["push to protected branch release/1.2 is denied"] with input as {"tool": "git.push", "branch": "release/1.2"}
}

test_push_feature_allowed if {
	count(baseline.deny) == 0 with input as {"tool": "git.push", "branch": "feature/x"}
}

test_force_push_denied if {
	baseline.deny["force push is denied"] with input as {"tool": "git.push", "branch": "feature/x", "force": true}
}

test_unknown_mcp_fs_denied if {
	baseline.deny["MCP filesystem server shady-fs is not on the allowlist"] with input as {"tool": "mcp", "mcp": {"server": "shady-fs", "kind": "filesystem"}}
}

test_known_mcp_fs_allowed if {
	count(baseline.deny) == 0 with input as {"tool": "mcp", "mcp": {"server": "filesystem", "kind": "filesystem"}}
}
