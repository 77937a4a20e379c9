#!/usr/bin/env node
// Browser tests against the real server binary.
//
//   KAIKU_BIN=/path/to/kaiku node e2e/run.mjs      (npm run e2e)
//
// Starts the binary on a free loopback port with a fresh data directory and a
// known admin account, waits for GET /readyz to answer 200, runs every
// e2e/*.test.mjs with node's test runner (KAIKU_URL and the admin credentials
// in the environment), forwards the exit code, and always stops the server and
// removes the data directory. The server's output goes to
// e2e/artifacts/server.log and is printed when something fails.

import { spawn, spawnSync } from 'node:child_process'
import { accessSync, constants, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const frontendDir = resolve(here, '..')
const artifacts = join(here, 'artifacts')

export const ADMIN_EMAIL = 'admin@example.com'
export const ADMIN_PASSWORD = 'E2e-Admin-Passphrase-4711!'
const READY_TIMEOUT_MS = Number(process.env.KAIKU_E2E_READY_TIMEOUT_MS ?? 60_000)
const STOP_TIMEOUT_MS = 15_000

function log(message) {
  console.log(`[e2e] ${message}`)
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolvePort(port))
    })
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function waitForReady(url, server) {
  const deadline = Date.now() + READY_TIMEOUT_MS
  let last = 'no answer yet'
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`the server exited before it was ready (code ${server.exitCode}, signal ${server.signalCode})`)
    }
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) })
      if (res.status === 200) return
      last = `GET /readyz answered ${res.status}`
    } catch (error) {
      last = `GET /readyz failed: ${error.cause?.code ?? error.message}`
    }
    await sleep(250) // polling interval while waiting for start-up, bounded by the deadline
  }
  throw new Error(`the server was not ready within ${READY_TIMEOUT_MS / 1000} s (${last})`)
}

function stopServer(server) {
  return new Promise((resolveStop) => {
    if (!server || server.exitCode !== null || server.signalCode !== null) return resolveStop()
    const timer = setTimeout(() => {
      log('server did not stop on SIGTERM; killing it')
      try {
        process.kill(-server.pid, 'SIGKILL')
      } catch {
        server.kill('SIGKILL')
      }
    }, STOP_TIMEOUT_MS)
    server.once('exit', () => {
      clearTimeout(timer)
      resolveStop()
    })
    try {
      process.kill(-server.pid, 'SIGTERM') // its process group: the server and anything it started
    } catch {
      server.kill('SIGTERM')
    }
  })
}

function groupAlive(pid) {
  try {
    process.kill(-pid, 0)
    return true
  } catch {
    return false
  }
}

/** Waits until nothing of the server's process group is left (a last SIGKILL if needed). */
async function waitGroupGone(pid) {
  const deadline = Date.now() + 5_000
  while (groupAlive(pid) && Date.now() < deadline) await sleep(100)
  if (groupAlive(pid)) {
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {
      // gone meanwhile
    }
    while (groupAlive(pid) && Date.now() < deadline + 5_000) await sleep(100)
  }
}

/**
 * Starts the in-memory IMAP server the mail tests deliver to (scripts/imaptest, built here
 * with go unless KAIKU_IMAPTEST_BIN names it) and returns it with the JSON line it prints
 * when ready: its IMAP address, user, password and HTTP control address.
 */
async function startImapServer(dataDir) {
  let bin = process.env.KAIKU_IMAPTEST_BIN
  if (!bin) {
    bin = join(dataDir, 'kaiku-imaptest')
    const built = spawnSync('go', ['build', '-o', bin, './scripts/imaptest'], { cwd: resolve(frontendDir, '..'), stdio: 'inherit' })
    if (built.status !== 0) throw new Error('could not build scripts/imaptest (is go installed?)')
  }
  const child = spawn(bin, [], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] })
  const info = await new Promise((resolveInfo, reject) => {
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      const nl = out.indexOf('\n')
      if (nl >= 0) resolveInfo(out.slice(0, nl))
    })
    child.once('exit', (code) => reject(new Error(`the IMAP test server exited (code ${code})`)))
  })
  return { child, info }
}

function removeDataDir(dir) {
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
  if (existsSync(dir)) console.error(`[e2e] warning: could not remove ${dir}`)
}

let testRunner = null

function runTests(env) {
  const files = readdirSync(here)
    .filter((name) => name.endsWith('.test.mjs'))
    .sort()
    .map((name) => join('e2e', name))
  if (!files.length) throw new Error('no e2e/*.test.mjs files')
  const only = process.argv.slice(2)
  // A single script that is not a test file (e2e/bench-pages.mjs) runs as a plain node script.
  const script = only.length === 1 && !only[0].endsWith('.test.mjs')
  const args = script ? only : ['--test', '--test-concurrency=1', ...(only.length ? only : files)]
  log(`node ${args.join(' ')}`)
  return new Promise((resolveRun) => {
    // Own process group, so an interrupted run can stop the runner, its per-file
    // test processes and their browsers together.
    const child = spawn(process.execPath, args, { cwd: frontendDir, env, stdio: 'inherit', detached: true })
    testRunner = child
    child.on('exit', (code, signal) => {
      testRunner = null
      resolveRun(code ?? (signal ? 1 : 0))
    })
  })
}

function printServerLog(logPath) {
  try {
    const text = readFileSync(logPath, 'utf8')
    const lines = text.split('\n')
    const tail = lines.slice(-200).join('\n')
    console.log(`\n[e2e] ---- server log (${logPath}, last ${Math.min(lines.length, 200)} lines) ----\n${tail}\n[e2e] ---- end of server log ----`)
  } catch (error) {
    console.log(`[e2e] no server log: ${error.message}`)
  }
}

async function main() {
  const binEnv = process.env.KAIKU_BIN
  if (!binEnv) {
    console.error('[e2e] KAIKU_BIN must name the built server binary, e.g. KAIKU_BIN=../bin/kaiku npm run e2e')
    return 2
  }
  const bin = resolve(binEnv)
  try {
    accessSync(bin, constants.X_OK)
  } catch {
    console.error(`[e2e] KAIKU_BIN=${binEnv}: not an executable file`)
    return 2
  }

  mkdirSync(artifacts, { recursive: true })
  const logPath = join(artifacts, 'server.log')
  const dataDir = mkdtempSync(join(tmpdir(), 'kaiku-e2e-'))
  const port = await freePort()
  // The review sources test answers for Google Business Profile on this port (reviews-google).
  const googlePort = await freePort()
  const url = `http://127.0.0.1:${port}`
  let server = null
  let imap = null
  let exitCode = 1

  const cleanup = () => {
    if (testRunner) {
      try {
        process.kill(-testRunner.pid, 'SIGTERM')
      } catch {
        // already gone
      }
    }
    if (imap && imap.child.exitCode === null) {
      try {
        process.kill(-imap.child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    if (server && server.exitCode === null && server.signalCode === null) {
      try {
        process.kill(-server.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    try {
      rmSync(dataDir, { recursive: true, force: true })
    } catch {
      // best effort while exiting
    }
  }
  process.once('exit', cleanup)
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      cleanup()
      process.exit(130)
    })
  }

  const logFd = openSync(logPath, 'w')
  try {
    imap = await startImapServer(dataDir)
    log(`IMAP test server ready: ${imap.info}`)
    log(`starting ${bin} on ${url} (data in ${dataDir})`)
    server = spawn(bin, [], {
      cwd: dataDir,
      detached: true, // own process group, so stopping it stops everything it started
      stdio: ['ignore', logFd, logFd],
      env: {
        ...process.env,
        KAIKU_ADDR: `127.0.0.1:${port}`,
        KAIKU_DATA_DIR: dataDir,
        KAIKU_ADMIN_EMAIL: ADMIN_EMAIL,
        KAIKU_ADMIN_PASSWORD: ADMIN_PASSWORD,
        // The webhook tests start their receivers on loopback, which the address guard
        // refuses unless allowed.
        KAIKU_WEBHOOK_ALLOW_HOSTS: process.env.KAIKU_WEBHOOK_ALLOW_HOSTS ?? '127.0.0.1',
        // The follow-up test needs the check mail of a case it resolves: asked at the next
        // sweep, and sweeps a few seconds apart.
        KAIKU_FOLLOW_UP_DAYS: process.env.KAIKU_FOLLOW_UP_DAYS ?? '0',
        // Every test files complaints from 127.0.0.1: on a fast machine the whole suite runs
        // within one 10-minute window of the per-address limit (20). The limit itself is tested
        // in the Go tests.
        KAIKU_INTAKE_LIMIT_PER_IP: process.env.KAIKU_INTAKE_LIMIT_PER_IP ?? '100000',
        KAIKU_SLA_SWEEP_INTERVAL: process.env.KAIKU_SLA_SWEEP_INTERVAL ?? '2s',
        // The mail test's mailbox is fetched on IMAP IDLE; the poll is the fallback.
        KAIKU_MAIL_POLL_INTERVAL: process.env.KAIKU_MAIL_POLL_INTERVAL ?? '2s',
        KAIKU_GOOGLE_API_URL: `http://127.0.0.1:${googlePort}`,
      },
    })
    const started = Date.now()
    await waitForReady(url, server)
    log(`server ready after ${((Date.now() - started) / 1000).toFixed(1)} s`)

    exitCode = await runTests({
      ...process.env,
      KAIKU_E2E_SESSION_CACHE: join(dataDir, 'e2e-admin-session.json'),
      KAIKU_URL: url,
      KAIKU_E2E_IMAP: imap.info,
      KAIKU_E2E_GOOGLE_PORT: String(googlePort),
      KAIKU_ADMIN_EMAIL: ADMIN_EMAIL,
      KAIKU_ADMIN_PASSWORD: ADMIN_PASSWORD,
    })
  } catch (error) {
    console.error(`[e2e] ${error.message}`)
    exitCode = 1
  } finally {
    await stopServer(server)
    if (server) await waitGroupGone(server.pid)
    if (imap) {
      try {
        process.kill(-imap.child.pid, 'SIGTERM')
      } catch {
        // already gone
      }
      await waitGroupGone(imap.child.pid)
    }
    closeSync(logFd)
    if (exitCode !== 0) printServerLog(logPath)
    removeDataDir(dataDir)
  }
  log(exitCode === 0 ? 'browser tests passed' : `browser tests failed (exit ${exitCode}); screenshots in ${artifacts}`)
  return exitCode
}

process.exitCode = await main()
