// The audit log's statement lives with the staff capability's other SQL (queries.ts); this
// name stays for the capabilities that import it (alerts, inbox), until they import
// staff/queries directly.
export { auditStatement } from "./queries";
