#include "core/secret.h"

#include <string.h>  // explicit_bzero (glibc >= 2.25)

namespace patbot {

void Secret::wipe(std::string& s) noexcept {
  // resize() within capacity never reallocates, so the bytes past size() become part of the
  // string and may be written through data().
  s.resize(s.capacity());
  explicit_bzero(s.data(), s.size());
  s.clear();
}

}  // namespace patbot
