# Behavry-style authorization for agent tool calls.
#
# Input:  {"agent": {"id": "...", "role": "developer"},
#          "action": "read" | "write" | "delete" | "deploy",
#          "resource": {"path": "/staging/app/config.yaml"},
#          "tool": "fs.write"}
#
# Decision document data.behavry.authz: policyd maps it as deny > escalate > allow > default.
#   allow     true when the agent's role grants the action
#   deny      reasons the call is refused
#   escalate  reasons a human must approve the call
package behavry.authz

import rego.v1

default allow := false

# What each role may do.
role_actions := {
	"admin": {"read", "write", "delete", "deploy"},
	"developer": {"read", "write", "delete"},
	"viewer": {"read"},
}

role := input.agent.role

known_role if role_actions[input.agent.role]

permitted if input.action in role_actions[input.agent.role]

allow if permitted

deny contains msg if {
	not known_role
	msg := sprintf("unknown role %q", [object.get(input, ["agent", "role"], "")])
}

deny contains msg if {
	known_role
	not permitted
	msg := sprintf("role %s may not %s", [role, input.action])
}

# Production is changed by the deploy pipeline, never by an agent's direct write.
deny contains msg if {
	input.action == "write"
	startswith(input.resource.path, "/prod/")
	msg := sprintf("writes under /prod/ are denied: %s", [input.resource.path])
}

# Deletes are allowed only with a human in the loop.
escalate contains msg if {
	input.action == "delete"
	permitted
	msg := sprintf("delete of %s needs approval", [input.resource.path])
}
