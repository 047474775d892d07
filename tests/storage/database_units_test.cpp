// Database::write(), writeTransaction() and read(): what they return, how they turn exceptions
// into Errors and when a transaction commits. The refusal rule they share with WriteLock is
// covered by write_lock_test.cpp.
#include <stdexcept>
#include <string>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "storage/database.h"
#include "tests/support/database.h"
#include "tests/support/temp_dir.h"

namespace patbot::storage {
namespace {

class StorageDatabaseUnitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(patbot::testing::openDatabase(dir_.file("units.db"), db_));
    db_->db().exec("CREATE TABLE t(x INTEGER UNIQUE)");
  }

  int rows() { return db_->db().execAndGet("SELECT COUNT(*) FROM t").getInt(); }

  // Inserts 1, then 1 again: the second INSERT throws (UNIQUE).
  static Status insertTwice(SQLite::Database& conn) {
    conn.exec("INSERT INTO t(x) VALUES (1)");
    conn.exec("INSERT INTO t(x) VALUES (1)");
    return okStatus();
  }

  patbot::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(StorageDatabaseUnitsTest, WriteReturnsTheResultAndCommitsEachStatement) {
  auto r = db_->write("inserting", [](SQLite::Database& conn) -> Result<int> {
    EXPECT_NE(sqlite3_get_autocommit(conn.getHandle()), 0) << "write() opened a transaction";
    return conn.exec("INSERT INTO t(x) VALUES (1)");
  });
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(*r, 1);
  EXPECT_EQ(rows(), 1);
}

TEST_F(StorageDatabaseUnitsTest, WriteTurnsAnSqliteExceptionIntoTheStorageError) {
  auto st = db_->write("inserting twice", insertTwice);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kStorage);
  EXPECT_EQ(st.error().message, "a database constraint failed");
  EXPECT_EQ(st.error().detail, "inserting twice: UNIQUE constraint failed: t.x");
  EXPECT_EQ(rows(), 1);  // no transaction: the first statement stays committed
}

TEST_F(StorageDatabaseUnitsTest, WriteTurnsAnyOtherExceptionIntoTheGenericStorageError) {
  auto st = db_->write("doing something", [](SQLite::Database&) -> Status {
    throw std::runtime_error("boom");
  });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kStorage);
  EXPECT_EQ(st.error().message, "the database failed");
  EXPECT_EQ(st.error().detail, "doing something: boom");
}

TEST_F(StorageDatabaseUnitsTest, WriteTransactionCommitsWhenFnReturnsAValue) {
  auto r = db_->writeTransaction("inserting two", [](SQLite::Database& conn) -> Result<bool> {
    EXPECT_EQ(sqlite3_get_autocommit(conn.getHandle()), 0) << "no transaction is open";
    conn.exec("INSERT INTO t(x) VALUES (1)");
    conn.exec("INSERT INTO t(x) VALUES (2)");
    return false;  // a value, though false: still committed
  });
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_FALSE(*r);
  EXPECT_NE(sqlite3_get_autocommit(db_->db().getHandle()), 0) << "the transaction is still open";
  SQLite::Database other(dir_.file("units.db"), SQLite::OPEN_READONLY);
  EXPECT_EQ(other.execAndGet("SELECT COUNT(*) FROM t").getInt(), 2);
}

TEST_F(StorageDatabaseUnitsTest, WriteTransactionRollsBackAndReturnsFnsError) {
  auto st = db_->writeTransaction("inserting, then refusing", [](SQLite::Database& conn) -> Status {
    conn.exec("INSERT INTO t(x) VALUES (1)");
    return Error::make(ErrorKind::kConflict, "no, after all", "detail");
  });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(st.error().message, "no, after all");
  EXPECT_EQ(st.error().detail, "detail");
  EXPECT_EQ(rows(), 0);
  EXPECT_NE(sqlite3_get_autocommit(db_->db().getHandle()), 0) << "the transaction is still open";
}

TEST_F(StorageDatabaseUnitsTest, WriteTransactionRollsBackWhenFnThrows) {
  auto st = db_->writeTransaction("inserting twice", insertTwice);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message, "a database constraint failed");
  EXPECT_EQ(st.error().detail, "inserting twice: UNIQUE constraint failed: t.x");
  EXPECT_EQ(rows(), 0);
}

TEST_F(StorageDatabaseUnitsTest, ReadReturnsTheResultOrTheStorageError) {
  db_->db().exec("INSERT INTO t(x) VALUES (7)");
  auto r = db_->read("reading t", [](SQLite::Database& conn) -> Result<int> {
    return conn.execAndGet("SELECT x FROM t").getInt();
  });
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(*r, 7);

  auto missing = db_->read("reading u", [](SQLite::Database& conn) -> Result<int> {
    return conn.execAndGet("SELECT x FROM u").getInt();
  });
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::kStorage);
  EXPECT_EQ(missing.error().message, "the database failed");
  EXPECT_EQ(missing.error().detail, "reading u: no such table: u");
}

}  // namespace
}  // namespace patbot::storage
