# Example policy for tool calls made by local agents (entrypoint behavry/authz).
package behavry.authz

default allow := false

allow if input.tool in data.behavry.config.allowed_tools

deny contains msg if {
	input.tool in data.behavry.config.forbidden_tools
	msg := sprintf("%s is never allowed", [input.tool])
}

escalate contains msg if {
	input.tool == "fs.write"
	not startswith(input.args.path, "/tmp/")
	msg := sprintf("write outside /tmp needs approval: %s", [input.args.path])
}
