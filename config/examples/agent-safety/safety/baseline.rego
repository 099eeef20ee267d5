# Agent-safety baseline for coding agents (Claude Code, Codex, … behind an MCP/tool proxy).
#
# Input: {"tool": "read" | "write" | "edit" | "shell" | "git.push" | "mcp",
#         "path": "/repo/src/main.go",                         (read/write/edit)
#         "command": "terraform apply -auto-approve",          (shell)
#         "branch": "main", "force": false,                     (git.push)
#         "mcp": {"server": "filesystem", "kind": "filesystem"}, (mcp)
#         "agent": {"id": "claude-1"}}
#
# Everything not objected to is allowed; denies and escalations carry their reasons.
package safety.baseline

import rego.v1

default allow := false

allow if is_string(input.tool)

# --- Secrets: reading them leaks them into the model's context.

secret_names := {".env", "id_rsa", "id_ecdsa", "id_ed25519", ".npmrc", ".pypirc", ".netrc", "credentials"}

secret_suffixes := {".pem", ".key", ".p12", ".pfx", ".kdbx"}

basename(p) := name if {
	parts := split(p, "/")
	name := parts[count(parts) - 1]
}

secret_file(p) if basename(p) in secret_names

secret_file(p) if startswith(basename(p), ".env.")

secret_file(p) if {
	some suffix in secret_suffixes
	endswith(p, suffix)
}

secret_file(p) if contains(p, "/.ssh/")

secret_file(p) if contains(p, "/.aws/")

file_tools := {"read", "write", "edit"}

deny contains msg if {
	input.tool in file_tools
	secret_file(input.path)
	msg := sprintf("access to secret file %s is denied", [input.path])
}

# --- Policy files: an agent must not rewrite the rules that govern it.

policy_file(p) if endswith(p, ".rego")

policy_file(p) if basename(p) in {".manifest", ".signatures.json", "policyd.yaml"}

policy_file(p) if startswith(p, "/etc/policyd/")

deny contains msg if {
	input.tool in {"write", "edit"}
	policy_file(input.path)
	msg := sprintf("writing policy file %s is denied", [input.path])
}

# --- Terraform: plan freely, apply/destroy with a human.

terraform_words := words if {
	input.tool == "shell"
	words := [w | some w in split(trim_space(input.command), " "); w != ""]
	words[0] == "terraform"
}

escalate contains msg if {
	terraform_words[1] in {"apply", "destroy", "import"}
	msg := sprintf("terraform %s needs approval", [terraform_words[1]])
}

deny contains "terraform apply with -auto-approve is denied" if {
	terraform_words[1] == "apply"
	some w in terraform_words
	w in {"-auto-approve", "--auto-approve"}
}

# --- Git: no pushes to protected branches, no force pushes.

protected_branch(b) if b in {"main", "master", "production"}

protected_branch(b) if startswith(b, "release/")

deny contains msg if {
	input.tool == "git.push"
	protected_branch(input.branch)
	msg := sprintf("push to protected branch %s is denied", [input.branch])
}

deny contains "force push is denied" if {
	input.tool == "git.push"
	input.force == true
}

# --- MCP: filesystem servers must be known ones.

known_filesystem_servers := {"filesystem", "workspace-fs"}

deny contains msg if {
	input.tool == "mcp"
	input.mcp.kind == "filesystem"
	not input.mcp.server in known_filesystem_servers
	msg := sprintf("MCP filesystem server %s is not on the allowlist", [input.mcp.server])
}
