// Lints source texts as if they were files of the project, with the project's ESLint config:
// reads [{ filePath, text }] as JSON on stdin, prints [{ filePath, ruleIds }] as JSON.
// A child process, because ESLint loads eslint.config.mjs as an ES module (jest runs CommonJS).
import { ESLint } from 'eslint';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const eslint = new ESLint({ cwd: process.cwd() });
const results = [];
for (const { filePath, text } of JSON.parse(input)) {
  const [result] = await eslint.lintText(text, { filePath });
  results.push({ filePath, ruleIds: result.messages.map((message) => message.ruleId ?? message.message) });
}
process.stdout.write(JSON.stringify(results));
