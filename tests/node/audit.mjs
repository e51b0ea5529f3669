// The reference GraphQL-over-HTTP audit (npm graphql-http) against one server.
// Usage: node audit.mjs http://127.0.0.1:8000/graphql
// Prints a JSON array of {id, name, status, reason} on stdout and exits 0;
// a non-zero exit means the audit itself could not run.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql endpoint url>');
  process.exit(2);
}

const results = await auditServer({ url });
const out = [];
for (const result of results) {
  let reason = null;
  if (result.status !== 'ok') {
    reason = result.reason;
    if (result.response) {
      try {
        const body = await result.response.text();
        reason += ` | HTTP ${result.response.status} ${result.response.headers.get('content-type')}: ${body.slice(0, 300)}`;
      } catch {
        // the body was already read by the audit
      }
    }
  }
  out.push({ id: result.id, name: result.name, status: result.status, reason });
}
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
