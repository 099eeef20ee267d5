# Connector calls (entrypoint agentcy, configured `default: allow`): allowed unless denied.
package agentcy.connectors

deny contains "connector disabled" if input.connector in {"legacy-crm"}
