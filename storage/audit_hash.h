// The audit hash chain (SPEC §6).
//
// hash(row) = lower-case hex SHA-256 of the UTF-8 bytes of the compact JSON array
//
//   [prev_hash, id, ts, actor, action, target, outcome, detail, request_id]
//
// as nlohmann::json::dump() writes it (no whitespace, non-ASCII characters as UTF-8, invalid
// UTF-8 bytes replaced by U+FFFD): prev_hash, ts, actor, action, target, outcome and request_id
// are JSON strings, id is a JSON integer, and detail is a JSON *string* holding the detail
// column's stored text (itself compact JSON), so verifying needs only the stored bytes.
// The first row's prev_hash is kGenesisHash (64 '0'); every later row's prev_hash is the hash of
// the row before it.
//
// Example: ["000…000",1,"2025-01-02T03:04:05.006Z","U1","command.status","","ok","{}","req-1"]
#pragma once

#include <string>
#include <string_view>

#include "storage/audit_store.h"

namespace patbot::storage {

inline const std::string kGenesisHash(64, '0');

// The detail column's text for a record: compact dump, invalid UTF-8 replaced.
std::string auditDetailText(const nlohmann::json& detail);

// Hash of `e` chained to `prevHash`, with detail taken from e.record.detail (auditDetailText).
// e.prevHash and e.hash are ignored.
std::string auditHash(const std::string& prevHash, const AuditEntry& e);

// Same, with the detail given as its stored text (what verify() reads back).
std::string auditHash(const std::string& prevHash, const AuditEntry& e,
                      std::string_view detailText);

// Lower-case hex SHA-256 of `data`.
std::string sha256Hex(std::string_view data);

}  // namespace patbot::storage
