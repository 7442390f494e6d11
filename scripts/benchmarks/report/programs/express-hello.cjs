// Bare Express answering every request with a constant body (PORT).
const app = require('express')();
app.use((_request, response) => response.type('text').send('hello'));
app.listen(Number(process.env.PORT), '127.0.0.1');
