// What the cpprestsdk adapters (client_cpprest.cpp, server_cpprest.cpp) share. Internal to
// http/. Include it before any cpprest header: it turns cpprest's U() macro off, as cpprest asks
// of code whose other libraries may clash with that name.
#pragma once

#ifndef _TURN_OFF_PLATFORM_STRING
#define _TURN_OFF_PLATFORM_STRING
#endif

#include <cpprest/http_headers.h>

#include "http/http_types.h"

namespace patbot::http::detail {

// cpprest's headers with lower-cased names, as Request and ClientResponse hold them.
Headers lowerCasedHeaders(const web::http::http_headers& headers);

}  // namespace patbot::http::detail
