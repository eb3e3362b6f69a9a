// Starts, never joins the consumer group, never exits: the grader's readiness wait must end it.
console.log('starting up ...');
setInterval(() => {}, 60_000);
