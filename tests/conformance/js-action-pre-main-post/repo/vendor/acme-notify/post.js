console.log('notify post on failure');
