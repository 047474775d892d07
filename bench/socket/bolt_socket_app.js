// Socket Mode variant of the Bolt peer (../shared/peers/bolt/app.js), for bench/socket/run.sh.
// bench/socket/run.sh copies the peer into a temporary directory, runs `npm ci` there and copies
// this file next to its node_modules; it is not meant to run from here.
//
// @slack/bolt 5.1.0 with socketMode:true uses its SocketModeReceiver, which wraps ONE
// @slack/socket-mode 3.1.0 SocketModeClient: one WebSocket (undici's) per App. Bolt has no
// option for more; patbot opens two by default.
//
// It never contacts Slack:
//   * apps.connections.open goes to FAKE_API_URL: App's clientOptions are handed to the
//     SocketModeReceiver (installerOptions.clientOptions) and from there to the
//     SocketModeClient's WebClient, whose slackApiUrl they set;
//   * token + botId + botUserId are given, so Bolt never calls auth.test, and
//     tokenVerificationEnabled:false as a second guard (as in the HTTP peer);
//   * the listener only calls ack(), which the SocketModeClient sends on the WebSocket as
//     {"envelope_id": …, "payload": {…}}; it never uses respond()/say()/client;
//   * no OAuth installer and no custom routes, so the receiver opens no HTTP server.
//
// The ack carries an ephemeral payload like patbot's answer to `/pat help` (header, one section
// with the usage lines, context), so the comparison is ack against ack of about the same size;
// ACK_PAYLOAD_FILE (a JSON object) replaces it with an exact payload, e.g. the one patbot sent.
//
// Env: FAKE_API_URL (required, e.g. http://127.0.0.1:PORT/api), SLACK_APP_TOKEN (xapp-…, required),
// ACK_PAYLOAD_FILE (optional), BOLT_LOG_LEVEL (default warn).
'use strict';
const fs = require('node:fs');
const { App, LogLevel } = require('@slack/bolt');

const apiUrl = process.env.FAKE_API_URL;
const appToken = process.env.SLACK_APP_TOKEN;
if (!apiUrl || !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(apiUrl)) {
  console.error('FAKE_API_URL must be set to a loopback http:// URL (the fake Slack\'s /api)');
  process.exit(2);
}
if (!appToken || !appToken.startsWith('xapp-')) {
  console.error('SLACK_APP_TOKEN must be set to an xapp- token (the fake Slack\'s)');
  process.exit(2);
}

function helpPayload() {
  const lines = [
    ['help', 'Show this help.', false],
    ['status [QUERY] [--expiring DAYS] [--all]', 'List service-account tokens with their expiry, most urgent first.', false],
    ['audit [TOKEN|@user] [--limit N]', 'The latest audit entries, newest first.', false],
    ['rotate TOKEN [--expires-in DAYS] [--dry-run] [--immediate] [--yes] [--reveal]',
      'Replace a token: create, update its consumers, verify, then revoke the old one.', true],
    ['revoke TOKEN [--yes]', 'Revoke a token (after confirmation).', true],
  ];
  const body = lines.map(([usage, summary, op]) => `\`/pat ${usage}\`${op ? ' _(operators)_' : ''}\n    ${summary}\n`).join('');
  return {
    response_type: 'ephemeral',
    text: '/pat — GitLab service-account tokens: usage',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'patbot: GitLab service-account tokens', emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: body } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'TOKEN is a token id or ACCOUNT/NAME; quote names with spaces: inventory-bot/"Deploy token"' }] },
    ],
  };
}

const payload = process.env.ACK_PAYLOAD_FILE
  ? JSON.parse(fs.readFileSync(process.env.ACK_PAYLOAD_FILE, 'utf8'))
  : helpPayload();

const app = new App({
  socketMode: true,
  appToken,
  token: 'xoxb-offline-not-a-real-token',
  botId: 'B00000000',
  botUserId: 'U00000000',
  tokenVerificationEnabled: false,
  clientOptions: { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` },
  logLevel: process.env.BOLT_LOG_LEVEL || LogLevel.WARN,
});

app.command('/pat', async ({ ack }) => {
  await ack(payload);
});

(async () => {
  await app.start();
  // run.sh waits for this line (after Bolt's start() resolved: hello received).
  console.log(`bolt-socket-peer connected (pid ${process.pid}, ack payload ${Buffer.byteLength(JSON.stringify(payload))} bytes)`);
})().catch((err) => { console.error(`bolt-socket-peer failed to start: ${err}`); process.exit(1); });

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => { try { await app.stop(); } finally { process.exit(0); } });
}
