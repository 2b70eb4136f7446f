// Starts kinesalite, the Kinesis stand-in of Meridian's local federation, on a loopback address only.
// kinesalite's own cli.js always listens on every interface; this launcher takes the same options plus
// --host, and is what io.meridian.local.aws.KinesaliteService runs:
//   node serve.js --host 127.0.0.1 --port <port> [--path <leveldb dir>] [--createStreamMs <ms>] ...
'use strict'

const kinesalite = require('kinesalite')

const options = { host: '127.0.0.1', port: 4567 }
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i += 2) {
  const name = argv[i].replace(/^--/, '')
  const value = argv[i + 1]
  if (value === undefined) {
    console.error(`option --${name} needs a value`)
    process.exit(2)
  }
  options[name] = /^\d+$/.test(value) ? Number(value) : value
}

const server = kinesalite({
  path: options.path,
  createStreamMs: options.createStreamMs,
  deleteStreamMs: options.deleteStreamMs,
  updateStreamMs: options.updateStreamMs,
  shardLimit: options.shardLimit
})
server.on('error', (err) => {
  console.error(`kinesalite could not listen on ${options.host}:${options.port}: ${err.message}`)
  process.exit(1)
})
server.listen(options.port, options.host, () => {
  console.log(`kinesalite listening on http://${options.host}:${options.port}` +
    (options.path ? ` with data in ${options.path}` : ' in memory'))
})

function shutdown(signal) {
  console.log(`kinesalite stopping on ${signal}`)
  server.close(() => process.exit(0))
  setTimeout(() => process.exit(0), 3000).unref()
}
process.on('SIGTERM', () => shutdown('SIGTERM'))
process.on('SIGINT', () => shutdown('SIGINT'))
