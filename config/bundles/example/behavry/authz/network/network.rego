# Sub-package of the entrypoint: its deny set is part of behavry/authz decisions.
package behavry.authz.network

deny contains msg if {
	input.tool == "http.fetch"
	not input.args.host in data.behavry.config.allowed_hosts
	msg := sprintf("host %s is not on the allow list", [input.args.host])
}
