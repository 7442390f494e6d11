// The bare baseline: node:http answering every request with a constant body (PORT).
require('node:http')
  .createServer((_request, response) => {
    response.setHeader('content-type', 'text/plain');
    response.end('hello');
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
