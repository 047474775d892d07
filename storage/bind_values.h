// The positional parameters of an SQL statement, bound in one call. Internal to storage/.
#pragma once

#include <optional>

#include <SQLiteCpp/Statement.h>

namespace patbot::storage {
namespace detail {

template <typename T>
void bindValue(SQLite::Statement& statement, int index, const T& value) {
  statement.bind(index, value);
}

template <typename T>
void bindValue(SQLite::Statement& statement, int index, const std::optional<T>& value) {
  if (value) {
    statement.bind(index, *value);
  } else {
    statement.bind(index);
  }
}

}  // namespace detail

// Binds `values` to the parameters 1, 2, ... of `statement`, in order, each as Statement::bind
// binds a value of its type (text is copied); an empty std::optional binds NULL.
template <typename... Values>
void bindValues(SQLite::Statement& statement, const Values&... values) {
  int index = 0;
  (detail::bindValue(statement, ++index, values), ...);
}

}  // namespace patbot::storage
