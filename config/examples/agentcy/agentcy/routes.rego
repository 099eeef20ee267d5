# Route rules (Rego v0 syntax): admin routes need the admin role; some routes only during
# business hours (Monday to Friday, 09:00 to 17:59 UTC, taken from input.time when given).
package agentcy.routes

business_hours_routes := {"/billing/charge", "/deploy/production"}

deny[msg] {
	startswith(input.route, "/admin/")
	input.user.role != "admin"
	msg := sprintf("route %s needs the admin role", [input.route])
}

deny[msg] {
	not input.user.role
	startswith(input.route, "/admin/")
	msg := sprintf("route %s needs the admin role", [input.route])
}

deny[msg] {
	business_hours_routes[input.route]
	not business_hours
	msg := sprintf("route %s is only available during business hours", [input.route])
}

now_ns = t {
	t := time.parse_rfc3339_ns(input.time)
} else = t {
	t := time.now_ns()
}

business_hours {
	day := time.weekday(now_ns)
	not weekend[day]
	[hour, _, _] := time.clock(now_ns)
	hour >= 9
	hour < 18
}

weekend := {"Saturday", "Sunday"}
