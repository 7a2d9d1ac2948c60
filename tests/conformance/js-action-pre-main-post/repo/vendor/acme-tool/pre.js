const fs = require('fs');
fs.appendFileSync(process.env.GITHUB_STATE, 'token=from-pre\n');
fs.appendFileSync('trace.txt', 'pre\n');
console.log(`pre: my-input=${process.env['INPUT_MY-INPUT']}`);
