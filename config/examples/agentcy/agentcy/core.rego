# Core invariants every agent request must satisfy (Rego v0 syntax).
#
# Input: {"user": {"id": "u-1", "role": "member"}, "request_id": "req-1",
#         "tool": {"name": "db.write"}, "route": "/api/projects", "time": "2026-11-23T10:00:00Z"}
package agentcy.core

deny[msg] {
	not has_user_id
	msg := "user id is required"
}

deny[msg] {
	not has_request_id
	msg := "request id is required"
}

# Helpers, not `not valid_string(input.user.id)`: in OPA a call whose argument is undefined
# stays undefined even under `not`, so the check must sit inside a rule.
has_user_id {
	valid_string(input.user.id)
}

has_request_id {
	valid_string(input.request_id)
}

valid_string(s) {
	is_string(s)
	s != ""
}
