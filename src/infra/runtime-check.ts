/**
 * Imported first by every entry point: the service needs the project's pinned Node 24+.
 * An older Node (for example under a globally installed PM2) fails later in obscure ways.
 */
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `english-practice: Node ${process.versions.node} is too old; use the project's Node 24 (npx pm2 …, npm run …, or node_modules/.bin/node)\n`,
  );
  process.exit(1);
}
