# Tool rules (Rego v0 syntax): write and destructive tools need approval unless the user is
# an admin or owner; viewers are denied specific tools outright.
package agentcy.tools

write_tools := {"fs.write", "db.write", "git.commit", "git.push", "http.post"}

destructive_tools := {"fs.delete", "db.drop", "db.delete", "shell.exec", "k8s.delete"}

privileged_roles := {"admin", "owner"}

# Per-tool denies for the viewer role.
viewer_denied := {
	"shell.exec": "viewers may not run shell commands",
	"db.write": "viewers may not write to databases",
	"db.drop": "viewers may not drop databases",
	"git.push": "viewers may not push code",
	"secrets.read": "viewers may not read secrets",
}

tool := input.tool.name

kind = "destructive" {
	destructive_tools[tool]
} else = "write" {
	write_tools[tool]
} else = "read"

privileged {
	privileged_roles[input.user.role]
}

deny[msg] {
	input.user.role == "viewer"
	msg := viewer_denied[tool]
}

escalate[msg] {
	kind != "read"
	not privileged
	not viewer_denied_here
	msg := sprintf("%s tool %s needs approval for role %s", [kind, tool, role_name])
}

viewer_denied_here {
	input.user.role == "viewer"
	viewer_denied[tool]
}

role_name = r {
	r := input.user.role
} else = "none"
