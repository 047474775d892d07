#include "storage/database.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include "storage/sqlite_error.h"

namespace patbot::storage {
namespace {

constexpr mode_t kFileMode = 0600;
// How long a statement waits for another process's lock. A slash command's acknowledgement
// writes an audit row and must reach Slack within 3 s, refusal included; patbot's own
// transactions last milliseconds, so a longer wait only means a lock held elsewhere.
constexpr int kBusyTimeoutMs = 1000;
// FULL: every commit syncs the WAL before it returns, so a committed journal step or audit row
// survives an OS crash or power loss. NORMAL syncs only at checkpoints: the last commits could
// vanish, and recovery would act on a stale rotation step. Costs one WAL sync per commit
// (p50 3.6 ms on the bench VM's disk, bench/ack/commit_cost.py); SqliteAuditStore's group
// commit shares one among the appends waiting at the same time.
constexpr const char* kSynchronous = "FULL";

// False for in-memory databases and "file:" URIs, whose files open() does not manage.
bool isPlainFile(const std::string& path) {
  return !path.empty() && path != ":memory:" && path.rfind("file:", 0) != 0;
}

// Narrows `path` to 0600 when its permission bits are wider. Missing file: nothing to do.
Status restrictMode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return okStatus();
    return Error::make(ErrorKind::kStorage, "the database file cannot be opened",
                       fmt::format("stat {}: {}", path, std::strerror(errno)));
  }
  if ((st.st_mode & 07777) & ~kFileMode) {
    if (::chmod(path.c_str(), kFileMode) != 0) {
      return Error::make(ErrorKind::kStorage, "the database file permissions cannot be set",
                         fmt::format("chmod 0600 {}: {}", path, std::strerror(errno)));
    }
  }
  return okStatus();
}

// Creates the file with mode 0600 before SQLite sees it, or narrows an existing one.
Status prepareFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, kFileMode);
  if (fd < 0) {
    return Error::make(ErrorKind::kStorage, "the database file cannot be opened",
                       fmt::format("open {}: {}", path, std::strerror(errno)));
  }
  ::close(fd);
  return restrictMode(path);
}

}  // namespace

Database::Database(std::string path, std::unique_ptr<SQLite::Database> db)
    : path_(std::move(path)), db_(std::move(db)) {}

Database::~Database() = default;

Result<std::unique_ptr<Database>> Database::open(const std::string& path) {
  return open(path, schemaMigrations());
}

Result<std::unique_ptr<Database>> Database::open(const std::string& path,
                                                 const std::vector<Migration>& migrations) {
  const bool plainFile = isPlainFile(path);
  if (plainFile) {
    if (auto st = prepareFile(path); !st) return st.error();
  }
  std::unique_ptr<Database> database;
  try {
    auto conn = std::make_unique<SQLite::Database>(
        path.empty() ? std::string(":memory:") : path,
        SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX |
            (path.rfind("file:", 0) == 0 ? SQLite::OPEN_URI : 0));
    conn->exec(fmt::format("PRAGMA busy_timeout = {}", kBusyTimeoutMs));
    conn->exec("PRAGMA journal_mode = WAL");
    conn->exec(fmt::format("PRAGMA synchronous = {}", kSynchronous));
    conn->exec("PRAGMA foreign_keys = ON");
    database.reset(new Database(path, std::move(conn)));
  } catch (const std::exception& e) {
    return storageError(e, fmt::format("opening {}", path));
  }
  if (auto st = migrateTo(database->db(), migrations); !st) return st.error();
  auto version = currentSchemaVersion(database->db());
  if (!version) return version.error();
  database->schemaVersion_ = *version;
  if (plainFile) {
    for (const char* suffix : {"-wal", "-shm"}) {
      if (auto st = restrictMode(path + suffix); !st) return st.error();
    }
  }
  return database;
}

Database::WriteLock::WriteLock(Database& db, std::string what)
    : db_(db), what_(std::move(what)) {
  uint64_t busyReleasesBefore = 0;
  bool refusing = false;  // writers waiting at the last busy release are still waiting
  {
    std::lock_guard busy(db_.busyMutex_);
    busyReleasesBefore = db_.busyReleases_;
    refusing = db_.refusedWaiting_ > 0;
    ++db_.writersWaiting_;
  }
  lock_ = std::unique_lock(db_.writeMutex_);
  {
    std::lock_guard busy(db_.busyMutex_);
    --db_.writersWaiting_;
    // A busy release while we waited: we were waiting at the last one, so we are counted there.
    if (db_.busyReleases_ != busyReleasesBefore) {
      --db_.refusedWaiting_;
      refusing = true;
    }
  }
  if (refusing) {
    refusal_ = Error::make(
        ErrorKind::kStorage, sqliteErrorSentence(SQLITE_BUSY),
        fmt::format("{}: not tried: a write ahead of it found the database locked by another "
                    "connection (busy timeout {} ms)",
                    what_, kBusyTimeoutMs));
  }
}

Database::WriteLock::~WriteLock() {
  if (foundBusy_) {
    std::lock_guard busy(db_.busyMutex_);
    ++db_.busyReleases_;
    db_.refusedWaiting_ = db_.writersWaiting_;
  }
  // lock_ releases the write mutex after this.
}

Error Database::WriteLock::fail(const std::exception& e) {
  if (isBusyOrLocked(e)) foundBusy_ = true;
  return storageError(e, what_);
}

bool Database::healthy() {
  try {
    SQLite::Statement q(*db_, "SELECT 1");
    return q.executeStep() && q.getColumn(0).getInt() == 1;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace patbot::storage
