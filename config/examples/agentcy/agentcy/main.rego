# Entrypoint (data.agentcy.main): the union of every package's deny and escalate, and allow
# when nothing objects. policyd maps it as deny > escalate > allow > default.
package agentcy.main

deny[msg] {
	data.agentcy.core.deny[msg]
}

deny[msg] {
	data.agentcy.tools.deny[msg]
}

deny[msg] {
	data.agentcy.routes.deny[msg]
}

escalate[msg] {
	data.agentcy.tools.escalate[msg]
}

default allow = false

allow {
	count(deny) == 0
	count(escalate) == 0
}
