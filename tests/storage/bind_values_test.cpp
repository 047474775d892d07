#include "storage/bind_values.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

namespace patbot::storage {
namespace {

using Rows = std::vector<std::vector<std::string>>;

// The rows of t in insertion order, each value as the type SQLite stored it with: "integer:5",
// "text:abc", "null".
Rows storedRows(SQLite::Database& db) {
  SQLite::Statement select(db, "SELECT * FROM t ORDER BY rowid");
  Rows rows;
  while (select.executeStep()) {
    std::vector<std::string> row;
    for (int i = 0; i < select.getColumnCount(); ++i) {
      const SQLite::Column c = select.getColumn(i);
      if (c.isNull()) row.push_back("null");
      else if (c.isInteger()) row.push_back("integer:" + std::to_string(c.getInt64()));
      else if (c.isText()) row.push_back("text:" + c.getString());
      else row.push_back("other");
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

TEST(StorageBindValuesTest, BindsEachValueToTheNextParameterAsItsType) {
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("CREATE TABLE t(a, b, c, d, e)");
  SQLite::Statement insert(db, "INSERT INTO t VALUES (?, ?, ?, ?, ?)");
  const std::string text = "abc";
  bindValues(insert, 7, int64_t{1} << 40, text, "literal", std::string("temporary"));
  insert.exec();
  EXPECT_EQ(storedRows(db),
            (Rows{{"integer:7", "integer:1099511627776", "text:abc", "text:literal", "text:temporary"}}));
}

TEST(StorageBindValuesTest, AnEmptyOptionalBindsNullAndAFullOneItsValue) {
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("CREATE TABLE t(a, b, c, d)");
  SQLite::Statement insert(db, "INSERT INTO t VALUES (?, ?, ?, ?)");
  bindValues(insert, std::optional<int64_t>(42), std::optional<int64_t>(), std::optional<std::string>("x"),
             std::optional<std::string>());
  insert.exec();
  // A statement reused after reset() keeps its bindings: an empty optional must clear the old one.
  insert.reset();
  bindValues(insert, std::optional<int64_t>(), std::optional<int64_t>(3), std::optional<std::string>(),
             std::optional<std::string>("y"));
  insert.exec();
  EXPECT_EQ(storedRows(db), (Rows{{"integer:42", "null", "text:x", "null"}, {"null", "integer:3", "null", "text:y"}}));
}

}  // namespace
}  // namespace patbot::storage
