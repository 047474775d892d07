#include "storage/database.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include "storage/migrations.h"
#include "tests/support/temp_dir.h"

namespace patbot::storage {
namespace {

using patbot::testing::TempDir;

mode_t modeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

int countRows(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement q(db, sql);
  q.executeStep();
  return q.getColumn(0).getInt();
}

TEST(StorageDatabase, OpensInMemoryWithSchema) {
  auto db = Database::open(":memory:");
  ASSERT_TRUE(db) << db.error().detail;
  EXPECT_TRUE((*db)->healthy());
  EXPECT_EQ((*db)->schemaVersion(), latestSchemaVersion());
  EXPECT_TRUE((*db)->db().tableExists("audit"));
  EXPECT_TRUE((*db)->db().tableExists("schema_migrations"));
}

TEST(StorageDatabase, FileSettings) {
  TempDir dir;
  auto db = Database::open(dir.file("a.db"));
  ASSERT_TRUE(db) << db.error().detail;
  auto& conn = (*db)->db();
  EXPECT_EQ(conn.execAndGet("PRAGMA journal_mode").getString(), "wal");
  EXPECT_EQ(conn.execAndGet("PRAGMA synchronous").getInt(), 2);  // FULL: commits survive an OS crash
  EXPECT_EQ(conn.execAndGet("PRAGMA busy_timeout").getInt(), 1000);   // below Slack's 3 s ack
  EXPECT_EQ(conn.execAndGet("PRAGMA foreign_keys").getInt(), 1);
}

TEST(StorageDatabase, MigrationsAreIdempotentOnReopen) {
  TempDir dir;
  const auto path = dir.file("a.db");
  for (int i = 0; i < 3; ++i) {
    auto db = Database::open(path);
    ASSERT_TRUE(db) << db.error().detail;
    EXPECT_EQ((*db)->schemaVersion(), latestSchemaVersion());
    EXPECT_EQ(countRows((*db)->db(), "SELECT COUNT(*) FROM schema_migrations"),
              static_cast<int>(schemaMigrations().size()));
  }
}

TEST(StorageDatabase, AppliesOnlyNewMigrations) {
  TempDir dir;
  const auto path = dir.file("a.db");
  std::vector<Migration> list = schemaMigrations();
  ASSERT_TRUE(Database::open(path, list));
  list.push_back({list.back().version + 1, "CREATE TABLE extra(x INTEGER);"});
  {
    auto db = Database::open(path, list);
    ASSERT_TRUE(db) << db.error().detail;
    EXPECT_EQ((*db)->schemaVersion(), list.back().version);
    EXPECT_TRUE((*db)->db().tableExists("extra"));
  }
  auto again = Database::open(path, list);  // would fail if "CREATE TABLE extra" ran twice
  ASSERT_TRUE(again) << again.error().detail;
}

TEST(StorageDatabase, FailedMigrationRollsBackAndIsReported) {
  TempDir dir;
  const auto path = dir.file("a.db");
  std::vector<Migration> list = schemaMigrations();
  list.push_back({list.back().version + 1, "CREATE TABLE half(x INTEGER); SELECT * FROM nope;"});
  auto db = Database::open(path, list);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().kind, ErrorKind::kStorage);
  EXPECT_NE(db.error().detail.find("migration"), std::string::npos) << db.error().detail;

  SQLite::Database raw(path);
  EXPECT_FALSE(raw.tableExists("half"));
  EXPECT_EQ(raw.execAndGet("SELECT MAX(version) FROM schema_migrations").getInt(),
            latestSchemaVersion());
}

TEST(StorageDatabase, RefusesNewerSchema) {
  TempDir dir;
  const auto path = dir.file("a.db");
  ASSERT_TRUE(Database::open(path));
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec("INSERT INTO schema_migrations(version, applied_at) VALUES (999, 'future')");
  }
  auto db = Database::open(path);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().kind, ErrorKind::kStorage);
  EXPECT_NE(db.error().message.find("999"), std::string::npos) << db.error().message;
  EXPECT_NE(db.error().message.find("newer"), std::string::npos) << db.error().message;
}

TEST(StorageDatabase, FreshFileIsMode0600) {
  TempDir dir;
  const auto path = dir.file("fresh.db");
  const mode_t old = ::umask(0);  // the mode must not depend on a permissive umask
  auto db = Database::open(path);
  ::umask(old);
  ASSERT_TRUE(db) << db.error().detail;
  EXPECT_EQ(modeOf(path), 0600u);
  EXPECT_EQ(modeOf(path + "-wal"), 0600u);
  EXPECT_EQ(modeOf(path + "-shm"), 0600u);
}

TEST(StorageDatabase, ExistingWideFileIsNarrowedTo0600) {
  TempDir dir;
  const auto path = dir.file("wide.db");
  {
    auto db = Database::open(path);
    ASSERT_TRUE(db);
  }
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  ASSERT_EQ(modeOf(path), 0644u);
  auto db = Database::open(path);
  ASSERT_TRUE(db) << db.error().detail;
  EXPECT_EQ(modeOf(path), 0600u);
}

TEST(StorageDatabase, PreExistingEmpty0644FileIsNarrowed) {
  TempDir dir;
  const auto path = dir.file("empty.db");
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY, 0644);
  ASSERT_GE(fd, 0);
  ::close(fd);
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto db = Database::open(path);
  ASSERT_TRUE(db) << db.error().detail;
  EXPECT_EQ(modeOf(path), 0600u);
  EXPECT_TRUE((*db)->db().tableExists("audit"));
}

TEST(StorageDatabase, UnopenablePathIsAnError) {
  auto db = Database::open("/nonexistent-dir-for-patbot/x.db");
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().kind, ErrorKind::kStorage);
  EXPECT_EQ(db.error().message, "the database file cannot be opened");
}

TEST(StorageDatabase, NotADatabaseIsAnError) {
  TempDir dir;
  const auto path = dir.file("junk.db");
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY, 0600);
  ASSERT_GE(fd, 0);
  const std::string junk(4096, 'x');
  ASSERT_EQ(::write(fd, junk.data(), junk.size()), static_cast<ssize_t>(junk.size()));
  ::close(fd);
  auto db = Database::open(path);  // must return an Error, not throw
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().kind, ErrorKind::kStorage);
  EXPECT_EQ(db.error().message, "the database file is corrupt or not a database");
}

TEST(StorageDatabase, AuditIsAppendOnly) {
  auto db = Database::open(":memory:");
  ASSERT_TRUE(db);
  auto& conn = (*db)->db();
  conn.exec(
      "INSERT INTO audit(ts, actor, action, target, outcome, detail, request_id, prev_hash, hash) "
      "VALUES ('t','a','b','c','ok','{}','r','p','h')");
  EXPECT_THROW(conn.exec("UPDATE audit SET actor = 'x'"), SQLite::Exception);
  EXPECT_THROW(conn.exec("DELETE FROM audit"), SQLite::Exception);
  EXPECT_EQ(countRows(conn, "SELECT COUNT(*) FROM audit WHERE actor = 'a'"), 1);
}

}  // namespace
}  // namespace patbot::storage
