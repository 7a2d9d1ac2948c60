const fs = require('fs');
fs.appendFileSync('trace.txt', 'post\n');
console.log(`post: state=${process.env.STATE_token} phase=${process.env.STATE_phase}`);
