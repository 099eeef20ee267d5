package agentcy.main_test

import data.agentcy.main

base := {
	"user": {"id": "u-1", "role": "member"},
	"request_id": "req-1",
	"tool": {"name": "fs.read"},
	"route": "/api/projects",
	"time": "2026-11-23T10:00:00Z",
}

with_user(role) = x {
	x := json.patch(base, [{"op": "replace", "path": "/user/role", "value": role}])
}

with_tool(role, name) = x {
	x := json.patch(base, [
		{"op": "replace", "path": "/user/role", "value": role},
		{"op": "replace", "path": "/tool/name", "value": name},
	])
}

test_member_read_allowed {
	main.allow with input as base
}

test_missing_user_id_denied {
	main.deny["user id is required"] with input as json.remove(base, ["user/id"])
}

test_empty_request_id_denied {
	main.deny["request id is required"] with input as json.patch(base, [{"op": "replace", "path": "/request_id", "value": ""}])
}

test_member_write_needs_approval {
	main.escalate["write tool db.write needs approval for role member"] with input as with_tool("member", "db.write")
	not main.allow with input as with_tool("member", "db.write")
}

test_member_destructive_needs_approval {
	main.escalate["destructive tool fs.delete needs approval for role member"] with input as with_tool("member", "fs.delete")
}

test_owner_write_no_approval {
	main.allow with input as with_tool("owner", "db.drop")
}

test_viewer_shell_denied_not_escalated {
	main.deny["viewers may not run shell commands"] with input as with_tool("viewer", "shell.exec")
	count(main.escalate) == 0 with input as with_tool("viewer", "shell.exec")
}

test_viewer_write_to_fs_escalates {
	main.escalate["write tool fs.write needs approval for role viewer"] with input as with_tool("viewer", "fs.write")
}

test_admin_route_needs_admin {
	main.deny["route /admin/users needs the admin role"] with input as json.patch(base, [{"op": "replace", "path": "/route", "value": "/admin/users"}])
}

test_admin_route_ok_for_admin {
	x := json.patch(with_user("admin"), [{"op": "replace", "path": "/route", "value": "/admin/users"}])
	main.allow with input as x
}

test_billing_on_saturday_denied {
	x := json.patch(base, [
		{"op": "replace", "path": "/route", "value": "/billing/charge"},
		{"op": "replace", "path": "/time", "value": "2026-11-21T10:00:00Z"},
	])
	main.deny["route /billing/charge is only available during business hours"] with input as x
}

test_billing_monday_morning_allowed {
	x := json.patch(base, [{"op": "replace", "path": "/route", "value": "/billing/charge"}])
	main.allow with input as x
}

test_billing_monday_evening_denied {
	x := json.patch(base, [
		{"op": "replace", "path": "/route", "value": "/billing/charge"},
		{"op": "replace", "path": "/time", "value": "2026-11-23T18:00:00Z"},
	])
	not main.allow with input as x
}
