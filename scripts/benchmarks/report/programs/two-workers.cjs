// A hand-written node:cluster of 2 workers sharing PORT, each running the program named in
// argv (node-http-hello.cjs, or the API's dist/server.js): what PM2's cluster mode is compared with.
const cluster = require('node:cluster');
const { resolve } = require('node:path');

if (cluster.isPrimary) {
  for (let i = 0; i < 2; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    process.exit(0);
  });
} else {
  require(resolve(process.argv[2]));
}
