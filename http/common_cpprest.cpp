#include "http/common_cpprest.h"

#include "core/lower_case.h"

namespace patbot::http::detail {

Headers lowerCasedHeaders(const web::http::http_headers& headers) {
  Headers out;
  for (const auto& [name, value] : headers) out[lowerCase(name)] = value;
  return out;
}

}  // namespace patbot::http::detail
