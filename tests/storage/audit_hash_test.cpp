#include "storage/audit_hash.h"

#include <gtest/gtest.h>

namespace patbot::storage {
namespace {

TEST(StorageAuditHash, Sha256KnownVector) {
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(StorageAuditHash, IsSha256OfTheDocumentedCanonicalArray) {
  AuditEntry e;
  e.id = 7;
  e.ts = "2025-01-02T03:04:05.006Z";
  e.record.actor = "U1";
  e.record.action = "command.status";
  e.record.target = "";
  e.record.outcome = "ok";
  e.record.detail = {{"b", 1}, {"a", "é"}};
  e.record.requestId = "req-1";
  const std::string canonical = std::string("[\"") + kGenesisHash +
                                "\",7,\"2025-01-02T03:04:05.006Z\",\"U1\",\"command.status\",\"\","
                                "\"ok\",\"{\\\"a\\\":\\\"é\\\",\\\"b\\\":1}\",\"req-1\"]";
  EXPECT_EQ(auditHash(kGenesisHash, e), sha256Hex(canonical));
  EXPECT_EQ(auditHash(kGenesisHash, e).size(), 64u);
}

TEST(StorageAuditHash, EveryFieldMatters) {
  AuditEntry base;
  base.id = 1;
  base.ts = "t";
  base.record.actor = "a";
  const std::string h = auditHash(kGenesisHash, base);
  auto changed = [&](auto mutate) {
    AuditEntry e = base;
    mutate(e);
    return auditHash(kGenesisHash, e) != h;
  };
  EXPECT_TRUE(changed([](AuditEntry& e) { e.id = 2; }));
  EXPECT_TRUE(changed([](AuditEntry& e) { e.ts = "u"; }));
  EXPECT_TRUE(changed([](AuditEntry& e) { e.record.actor = "b"; }));
  EXPECT_TRUE(changed([](AuditEntry& e) { e.record.action = "x"; }));
  EXPECT_TRUE(changed([](AuditEntry& e) { e.record.target = "x"; }));
  EXPECT_TRUE(changed([](AuditEntry& e) { e.record.outcome = "x"; }));
  EXPECT_TRUE(changed([](AuditEntry& e) { e.record.detail["k"] = 1; }));
  EXPECT_TRUE(changed([](AuditEntry& e) { e.record.requestId = "x"; }));
  EXPECT_NE(auditHash(std::string(64, '1'), base), h);
  // Field boundaries are unambiguous: moving a character between fields changes the hash.
  AuditEntry a = base, b = base;
  a.record.actor = "ab";
  a.record.action = "c";
  b.record.actor = "a";
  b.record.action = "bc";
  EXPECT_NE(auditHash(kGenesisHash, a), auditHash(kGenesisHash, b));
}

TEST(StorageAuditHash, InvalidUtf8DoesNotThrow) {
  AuditEntry e;
  e.record.actor = std::string("\xff\xfe", 2);
  e.record.detail = {{"k", std::string("\xc3", 1)}};
  EXPECT_NO_THROW(auditHash(kGenesisHash, e));
}

}  // namespace
}  // namespace patbot::storage
