#include "storage/audit_hash.h"

#include <stdexcept>

#include <openssl/evp.h>

namespace patbot::storage {

std::string sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest(SHA-256) failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0x0f]);
  }
  return out;
}

std::string auditDetailText(const nlohmann::json& detail) {
  return detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string auditHash(const std::string& prevHash, const AuditEntry& e) {
  return auditHash(prevHash, e, auditDetailText(e.record.detail));
}

std::string auditHash(const std::string& prevHash, const AuditEntry& e,
                      std::string_view detailText) {
  nlohmann::json canonical = nlohmann::json::array({
      prevHash,
      e.id,
      e.ts,
      e.record.actor,
      e.record.action,
      e.record.target,
      e.record.outcome,
      std::string(detailText),
      e.record.requestId,
  });
  return sha256Hex(canonical.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace patbot::storage
