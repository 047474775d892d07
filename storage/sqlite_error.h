// Translation of SQLite failures into Error values (kind kStorage). Internal to storage/ (included
// by database.h for its units; other layers see only the Errors).
#pragma once

#include <exception>
#include <string_view>

#include "core/result.h"

namespace patbot::storage {

// A user-safe sentence for an SQLite primary result code ("the database is locked",
// "the disk is full", ...).
const char* sqliteErrorSentence(int code);

// True when `e` is SQLite reporting SQLITE_BUSY or SQLITE_LOCKED (any extended code of them):
// the failures sqliteErrorSentence() words "the database is locked".
bool isBusyOrLocked(const std::exception& e);

// Error of kind kStorage for an exception caught while doing `what`. `message` is the sentence
// for the SQLite code (or a generic one for other exceptions); `detail` is "<what>: <e.what()>".
Error storageError(const std::exception& e, std::string_view what);

}  // namespace patbot::storage
