// Opening a test's database file with every migration applied.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "storage/database.h"

namespace patbot::storage::testing {

// Opens (creating) the database at `path` into `db`. When it cannot be opened: a fatal failure
// naming the error's detail, `db` untouched. Call it under ASSERT_NO_FATAL_FAILURE so that the
// caller stops there too.
inline void openDatabase(const std::string& path, std::unique_ptr<Database>& db) {
  auto opened = Database::open(path);
  ASSERT_TRUE(opened) << opened.error().detail;
  db = std::move(*opened);
}

}  // namespace patbot::storage::testing
