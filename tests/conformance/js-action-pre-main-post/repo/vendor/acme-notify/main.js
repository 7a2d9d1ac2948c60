require('fs').appendFileSync('trace.txt', 'notify\n');
console.log('notify main');
