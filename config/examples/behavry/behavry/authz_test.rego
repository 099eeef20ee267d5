package behavry.authz_test

import rego.v1

import data.behavry.authz

call(role, action, path) := {
	"agent": {"id": "agent-7", "role": role},
	"action": action,
	"resource": {"path": path},
}

test_developer_reads if {
	authz.allow with input as call("developer", "read", "/staging/app.yaml")
	count(authz.deny) == 0 with input as call("developer", "read", "/staging/app.yaml")
}

test_viewer_cannot_write if {
	not authz.allow with input as call("viewer", "write", "/staging/app.yaml")
	authz.deny["role viewer may not write"] with input as call("viewer", "write", "/staging/app.yaml")
}

test_prod_write_denied_even_for_admin if {
	authz.allow with input as call("admin", "write", "/prod/db.yaml")
	authz.deny["writes under /prod/ are denied: /prod/db.yaml"] with input as call("admin", "write", "/prod/db.yaml")
}

test_staging_write_allowed if {
	d := authz.deny with input as call("developer", "write", "/staging/db.yaml")
	count(d) == 0
}

test_delete_escalates if {
	authz.escalate["delete of /staging/old.log needs approval"] with input as call("developer", "delete", "/staging/old.log")
	count(authz.deny) == 0 with input as call("developer", "delete", "/staging/old.log")
}

test_viewer_delete_denied_not_escalated if {
	count(authz.escalate) == 0 with input as call("viewer", "delete", "/staging/old.log")
	authz.deny["role viewer may not delete"] with input as call("viewer", "delete", "/staging/old.log")
}

test_unknown_role if {
	authz.deny[`unknown role "intern"`] with input as call("intern", "read", "/x")
	not authz.allow with input as call("intern", "read", "/x")
}

test_missing_agent if {
	authz.deny[`unknown role ""`] with input as {"action": "read"}
}
