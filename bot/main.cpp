// patbot's entry point: parses the command line and runs one subcommand. It registers every
// subcommand itself, `demo` included, so that patbot::bot needs no part of patbot::demo.
#include <iostream>

#include <CLI/CLI.hpp>

#include "bot/cli.h"
#include "bot/demo.h"
#include "bot/logging.h"
#include "core/process_hardening.h"

int main(int argc, char** argv) {
  using namespace patbot;
  // First, for every subcommand: the environment may already hold secrets.
  if (auto hardened = hardenProcess(); !hardened) return cli::fail(hardened.error().message);
  CLI::App app{"patbot — keeps GitLab service-account tokens alive, from Slack.", "patbot"};
  app.set_version_flag("--version", std::string("patbot ") + PATBOT_VERSION);
  app.require_subcommand(1);
  app.footer("Configuration comes from the environment (see README.md); e.g. GITLAB_URL, GITLAB_TOKEN, "
             "SLACK_SIGNING_SECRET, PATBOT_CONFIG.");

  auto* serve = app.add_subcommand("serve", "Run the bot: the HTTP server for Slack, the expiry watcher, the rotation engine.");
  serve->footer("Example: SLACK_SIGNING_SECRET_FILE=/run/secrets/slack GITLAB_URL=https://gitlab.example.com "
                "GITLAB_TOKEN_FILE=/run/secrets/gitlab PATBOT_CONFIG=/etc/patbot/policy.toml patbot serve\n"
                "Endpoints: POST /slack/commands, POST /slack/interactions, GET /healthz, /readyz, /metrics.");

  cli::DemoOptions demo;
  auto* demoCmd = app.add_subcommand("demo", "Simulated GitLab and Slack on loopback, a scripted conversation.");
  demoCmd->add_flag("--keep-running", demo.keepRunning, "Leave the bot and the fakes running afterwards.");
  demoCmd->add_flag("--socket-mode", demo.socketMode,
                    "The bot in Socket Mode: it opens WebSockets to the simulated Slack (no inbound port).");
  demoCmd->footer("Examples:\n  patbot demo                  # about 5 seconds, exits 0\n"
                  "  patbot demo --keep-running   # then curl the printed URLs; Ctrl-C to stop\n"
                  "  patbot demo --socket-mode    # the same conversation over Socket Mode");

  cli::ScanOptions scan;
  auto* scanCmd = app.add_subcommand("scan", "Scan every service-account token once and print a table.");
  scanCmd->add_flag("--json", scan.json, "Print JSON for scripts instead of a table.");
  scanCmd->add_option("--warn-days", scan.warnDays, "Exit 1 when a token expires within this many days.")
      ->check(CLI::Range(0, 3650))
      ->capture_default_str();
  scanCmd->footer("Exit status: 0 all fine, 1 a token expires within --warn-days, 2 a token has expired or the "
                  "scan failed.\nExamples:\n  patbot scan --warn-days 7          # in a scheduled CI job\n"
                  "  patbot scan --json | jq '.tokens[] | select(.days_left != null and .days_left < 30)'");

  cli::RotateOptions rotate;
  auto* rotateCmd = app.add_subcommand("rotate", "Rotate a token from a terminal (break-glass), with step progress.");
  rotateCmd
      ->add_option("TOKEN", rotate.token,
                   "Token id, ACCOUNT/NAME, project:PATH/NAME or group:PATH/NAME (quote names with spaces).")
      ->required();
  rotateCmd->add_option("--expires-in", rotate.expiresInDays, "Lifetime of the new token in days (1-365).")
      ->check(CLI::Range(1, 365));
  rotateCmd->add_flag("--yes", rotate.yes, "Do not ask for confirmation.");
  rotateCmd->add_flag("--dry-run", rotate.dryRun, "Show the plan and check access; change nothing.");
  rotateCmd->add_flag("--immediate", rotate.immediate, "Revoke the old token at once (a leaked token).");
  rotateCmd->add_option("--strategy", rotate.strategy,
                        "rotate (GitLab's rotate: same user, old value dies at once) or replace (create, deliver, "
                        "verify, then revoke); default from the policy")
      ->check(CLI::IsMember({"rotate", "replace"}));
  rotateCmd->add_flag("--reveal", rotate.reveal, "For a token without consumers: print the new value once.");
  rotateCmd->add_option("--poll-seconds", rotate.pollSeconds, "Pipeline poll interval.")->check(CLI::Range(0, 600));
  rotateCmd->footer("Examples:\n  patbot rotate 'inventory-bot/GitLab Security Service - Architecture - Inventory' --dry-run\n"
                    "  patbot rotate 101 --yes\n  patbot rotate 101 --yes --immediate   # the old token leaked\n"
                    "  patbot rotate backup-bot/nightly-backup --yes --reveal   # no consumers: print the value once");

  auto* checkCmd = app.add_subcommand("check-config", "Validate configuration, reach GitLab, print what the bot may do.");
  checkCmd->footer("Example: PATBOT_CONFIG=deploy/patbot.example.toml GITLAB_URL=... GITLAB_TOKEN=... patbot check-config\n"
                   "Exit status: 0 usable, 1 a problem (each one named), 2 the configuration does not load.");

  cli::AuditOptions audit;
  auto* auditCmd = app.add_subcommand("audit", "Read the audit trail.");
  auditCmd->add_option("--limit", audit.limit, "Most rows to print.")->check(CLI::Range(1, 1000))->capture_default_str();
  auditCmd->add_option("--token", audit.token, "Only rows about this token (id or ACCOUNT/NAME).");
  auditCmd->add_option("--actor", audit.actor, "Only rows by this actor (Slack user id, cli:<login>, watcher).");
  auditCmd->add_option("--since", audit.since, "Only rows at or after this RFC 3339 time.");
  auditCmd->add_option("--format", audit.format, "table, jsonl or csv.")
      ->check(CLI::IsMember({"table", "jsonl", "csv"}))
      ->capture_default_str();
  auditCmd->footer("Examples:\n  patbot audit --limit 50\n  patbot audit --token 101 --format jsonl\n"
                   "  patbot audit --actor watcher --since 2026-11-01T00:00:00Z --format csv > audit.csv\n"
                   "  patbot audit verify");
  auto* verifyCmd = auditCmd->add_subcommand("verify", "Check the audit hash chain; exit 1 naming the first bad row.");
  cli::AuditVerifyOptions verify;
  verifyCmd->add_option("--expect-head", verify.expectHead,
                        "ROW_ID:SHA256 as patbot serve publishes it; exit 1 unless the trail holds that row with that hash.");
  verifyCmd->footer("Reads the whole chain in order, in constant memory. Example: patbot audit verify && echo intact\n"
                    "  patbot audit verify --expect-head 1234:<the 64 hex digits of the published head>");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    return cli::fail(what + " (see patbot --help)", 2);
  }

  auto env = processEnv();
  if (*serve) return cli::runServe(env);
  if (*demoCmd) return cli::runDemo(demo);
  if (*scanCmd) return cli::runScan(env, scan);
  if (*rotateCmd) return cli::runRotate(env, rotate);
  if (*checkCmd) return cli::runCheckConfig(env);
  if (*verifyCmd) return cli::runAuditVerify(env, verify);
  if (*auditCmd) return cli::runAudit(env, audit);
  return cli::fail("no command given (see patbot --help)");
}
