const fs = require('fs');
fs.appendFileSync('trace.txt', 'main\n');
console.log(`main: state=${process.env.STATE_token} my-input=${process.env['INPUT_MY-INPUT']} level=${process.env.INPUT_LEVEL}`);
fs.appendFileSync(process.env.GITHUB_OUTPUT, `result=ok-${process.env.INPUT_LEVEL}\n`);
console.log('::save-state name=phase::main');
console.log('::set-output name=legacy::old-style');
