// CpprestTransport: the Transport interface over cpprestsdk's http_client.
#include "http/common_cpprest.h"   // first: before any cpprest header

#include <atomic>
#include <fstream>
#include <future>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include <cpprest/http_client.h>
#include <spdlog/spdlog.h>

#include "core/lower_case.h"
#include "http/bounded_body_buffer_cpprest.h"
#include "http/client.h"
#include "http/deadline_timer.h"
#include "http/url.h"

namespace patbot::http {
namespace {

using web::http::http_request;
using web::http::http_response;
using web::http::client::http_client;
using web::http::client::http_client_config;

// Extra wait past the deadline before send() gives up on a request whose cancellation has not
// finished it (cancellation closes the socket, so this is a safety net).
constexpr std::chrono::seconds kCancelGrace{5};
// cpprest's own timer bounds each socket read; the per-request deadline is the real bound.
constexpr std::chrono::hours kSocketTimeout{1};

std::string formatSeconds(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return fmt::format("{} s", d.count() / 1000);
  return fmt::format("{:.1f} s", static_cast<double>(d.count()) / 1000.0);
}

// Whether `e` carries one of `codes` or its text (lower-cased) contains one of `markers`.
bool matchesFailure(const web::http::http_exception& e, std::initializer_list<std::errc> codes,
                    std::initializer_list<const char*> markers) {
  const std::error_code& code = e.error_code();
  for (std::errc candidate : codes) {
    if (code == std::make_error_code(candidate)) return true;
  }
  std::string what = lowerCase(e.what());
  for (const char* marker : markers) {
    if (what.find(marker) != std::string::npos) return true;
  }
  return false;
}

bool isTlsFailure(const web::http::http_exception& e) {
  return matchesFailure(e, {}, {"ssl", "handshake", "certificate"});
}

// The connection was made and then closed or reset before a whole answer arrived: the request
// may have been received (and acted on), unlike a connection that could not be made.
bool isDroppedConnection(const web::http::http_exception& e) {
  return matchesFailure(e, {std::errc::connection_reset, std::errc::connection_aborted, std::errc::broken_pipe},
                        {"end of file", "connection reset", "broken pipe"});
}

// No connection could be made (refused, unreachable, name not resolved). Ask after
// isDroppedConnection: "connect" is also in "connection reset".
bool isConnectionFailure(const web::http::http_exception& e) {
  return matchesFailure(e,
                        {std::errc::host_unreachable, std::errc::connection_refused, std::errc::network_unreachable,
                         std::errc::network_down, std::errc::not_connected, std::errc::address_not_available},
                        {"resolv", "connect"});
}

// Where a Location header points, for messages: "host:port" and never its path or query (nor
// user info, which parseUrl refuses). A relative reference points at `from`'s host.
std::string locationTarget(const ParsedUrl& from, const std::string* location) {
  if (location == nullptr || location->empty()) return "no location";
  std::optional<ParsedUrl> parsed;
  if (location->rfind("//", 0) == 0) {
    parsed = parseUrl(from.scheme + ":" + *location);
  } else if (location->find("://") != std::string::npos) {
    parsed = parseUrl(*location);
  } else {
    return hostPort(from);
  }
  return parsed ? hostPort(*parsed) : "an unreadable location";
}

// What the request chain hands back to the waiting send().
struct Outcome {
  ClientResponse response;
  std::exception_ptr failure;
};

class CpprestTransport final : public Transport {
 public:
  explicit CpprestTransport(ClientOptions options) : options_(std::move(options)) {
    if (!options_.extraCaFile.empty() && !std::ifstream(options_.extraCaFile).good()) {
      spdlog::error("http: CA file {} cannot be read; TLS to hosts it signs will fail", options_.extraCaFile);
    }
  }

  Result<ClientResponse> send(const ClientRequest& request) override {
    auto url = parseUrl(request.url);
    if (!url) {
      return Error::make(ErrorKind::kProtocol, "the request has an invalid URL", "unparsable client URL");
    }
    // For messages and logs: never the query, never header values.
    std::string where = fmt::format("{} {}://{}{}", request.method, url->scheme, hostPort(*url),
                                    url->pathAndQuery.substr(0, url->pathAndQuery.find('?')));

    http_request outgoing;
    auto body = std::make_shared<detail::BoundedBodyBuffer>(options_.maxBodyBytes);
    // The proxy depends on the scheme, host and port only: one choice per cached client.
    std::optional<ParsedUrl> proxy;
    if (auto proxyUrl = options_.proxy.proxyFor(request.url)) {
      proxy = parseProxyUrl(*proxyUrl);
      if (!proxy) {
        return Error::make(ErrorKind::kConfig,
                           fmt::format("the proxy configured for {}:// URLs is not an http:// proxy URL (https:// "
                                       "proxies and proxy credentials are not supported)",
                                       url->scheme),
                           fmt::format("{}: unusable proxy setting", where));
      }
      where += " via the proxy " + hostPort(*proxy);
    }
    std::shared_ptr<http_client> client;
    try {
      // cpprest silently sends a request again when a pooled connection closes before the status
      // line: harmless for GET, PUT and DELETE, but a repeated POST creates a second token (or
      // posts a Slack message twice). POST and PATCH therefore get a connection of their own,
      // which cpprest never re-sends on; their failure comes back to the caller instead.
      client = request.method == "POST" || request.method == "PATCH" ? makeClient(*url, proxy) : clientFor(*url, proxy);
      outgoing.set_method(request.method);
      outgoing.set_response_stream(Concurrency::streams::streambuf<uint8_t>(body).create_ostream());
      outgoing.set_request_uri(web::uri(url->pathAndQuery));
      if (!request.body.empty()) {
        outgoing.set_body(std::vector<unsigned char>(request.body.begin(), request.body.end()));
      }
      bool hasUserAgent = false;
      for (const auto& [name, value] : request.headers) {
        outgoing.headers()[name] = value;
        hasUserAgent = hasUserAgent || lowerCase(name) == "user-agent";
      }
      if (!hasUserAgent && !options_.userAgent.empty()) outgoing.headers()["User-Agent"] = options_.userAgent;
    } catch (const std::exception& e) {
      return Error::make(ErrorKind::kProtocol, fmt::format("the request to {} could not be built", url->host),
                         fmt::format("{}: {}", where, e.what()));
    }

    pplx::cancellation_token_source cancel;
    auto timedOut = std::make_shared<std::atomic<bool>>(false);
    auto timerId = timer_.schedule(DeadlineTimer::Clock::now() + request.deadline, [cancel, timedOut] {
      timedOut->store(true);
      cancel.cancel();
    });

    auto promise = std::make_shared<std::promise<Outcome>>();
    auto future = promise->get_future();
    try {
      client->request(outgoing, cancel.get_token())
          .then([body, cancel, limit = options_.maxBodyBytes](http_response response) {
            auto received = std::make_shared<ClientResponse>();
            received->status = response.status_code();
            received->headers = detail::lowerCasedHeaders(response.headers());
            // A declared length over the limit is refused before any of the body is read; the
            // cancellation closes the connection. A chunked body fails in `body` as it crosses it.
            utility::size64_t declared = 0;
            if (response.headers().match(web::http::header_names::content_length, declared) && declared > limit) {
              cancel.cancel();
              throw detail::BodyTooLarge();
            }
            return response.content_ready().then([received, body](http_response) {
              received->body = body->take();
              return std::move(*received);
            });
          })
          .then([promise](pplx::task<ClientResponse> done) {
            Outcome outcome;
            try {
              outcome.response = done.get();
            } catch (...) {
              outcome.failure = std::current_exception();
            }
            try {
              promise->set_value(std::move(outcome));
            } catch (...) {
            }
          });
    } catch (...) {
      Outcome outcome;
      outcome.failure = std::current_exception();
      promise->set_value(std::move(outcome));
    }

    if (future.wait_for(request.deadline + kCancelGrace) != std::future_status::ready) {
      timer_.cancel(timerId);
      cancel.cancel();
      return timeoutError(*url, request.deadline, where, "no completion after cancellation");
    }
    timer_.cancel(timerId);
    Outcome outcome = future.get();
    if (!outcome.failure) {
      if (outcome.response.status >= 300 && outcome.response.status <= 399) {
        return redirectError(*url, outcome.response, where);
      }
      return std::move(outcome.response);
    }
    if (timedOut->load()) return timeoutError(*url, request.deadline, where, "deadline passed");
    return classify(outcome.failure, *url, request.deadline, where);
  }

 private:
  static Error timeoutError(const ParsedUrl& url, std::chrono::milliseconds deadline, const std::string& where,
                            const std::string& why) {
    Error error = Error::make(ErrorKind::kTimeout,
                              fmt::format("the request to {} timed out after {}", url.host, formatSeconds(deadline)),
                              fmt::format("{}: {}", where, why));
    return error;
  }

  // A 3xx is never followed: a redirect would carry PRIVATE-TOKEN or the bot token to another
  // host (cpprest copies every header) and turn a POST into a GET. Names the Location's host only.
  static Error redirectError(const ParsedUrl& url, const ClientResponse& response, const std::string& where) {
    const std::string target = locationTarget(url, response.header("location"));
    Error error = Error::make(
        ErrorKind::kProtocol,
        fmt::format("{} answered with a redirect (HTTP {}) to {}; patbot does not follow redirects", url.host,
                    response.status, target),
        fmt::format("{}: HTTP {} redirect to {} not followed", where, response.status, target));
    error.httpStatus = response.status;
    return error;
  }

  Error bodyTooLargeError(const ParsedUrl& url, const std::string& where) const {
    return Error::make(ErrorKind::kProtocol,
                       fmt::format("the answer from {} is larger than {} bytes; it was not read", url.host,
                                   options_.maxBodyBytes),
                       fmt::format("{}: response body over {} bytes", where, options_.maxBodyBytes));
  }

  Error classify(const std::exception_ptr& failure, const ParsedUrl& url, std::chrono::milliseconds deadline,
                 const std::string& where) const {
    try {
      std::rethrow_exception(failure);
    } catch (const detail::BodyTooLarge&) {
      return bodyTooLargeError(url, where);
    } catch (const web::http::http_exception& e) {
      if (e.error_code() == std::make_error_code(std::errc::timed_out)) {
        return timeoutError(url, deadline, where, e.what());
      }
      std::string detail = fmt::format("{}: {} (code {})", where, e.what(), e.error_code().value());
      if (isTlsFailure(e)) {
        return Error::make(ErrorKind::kUnavailable,
                           fmt::format("could not set up a trusted TLS connection to {}", url.host), detail);
      }
      if (isDroppedConnection(e)) {
        return Error::make(ErrorKind::kUnavailable,
                           fmt::format("the connection to {} closed before an answer arrived", url.host), detail);
      }
      if (isConnectionFailure(e)) {
        return Error::make(ErrorKind::kUnavailable, fmt::format("could not connect to {}", url.host), detail);
      }
      return Error::make(ErrorKind::kProtocol, fmt::format("the answer from {} could not be read", url.host), detail);
    } catch (const pplx::task_canceled&) {
      return Error::make(ErrorKind::kProtocol, fmt::format("the request to {} was cancelled", url.host),
                         fmt::format("{}: cancelled", where));
    } catch (const std::exception& e) {
      return Error::make(ErrorKind::kProtocol, fmt::format("the answer from {} could not be read", url.host),
                         fmt::format("{}: {}", where, e.what()));
    } catch (...) {
      return Error::make(ErrorKind::kProtocol, fmt::format("the answer from {} could not be read", url.host),
                         fmt::format("{}: unknown exception", where));
    }
  }

  // The shared client of url's origin (its connections are pooled and reused). `proxy` is
  // proxyFor(url), the same for every URL of the origin.
  std::shared_ptr<http_client> clientFor(const ParsedUrl& url, const std::optional<ParsedUrl>& proxy) {
    std::string base = url.scheme + "://" + hostPort(url);
    std::lock_guard lock(mutex_);
    auto it = clients_.find(base);
    if (it != clients_.end()) return it->second;
    auto client = makeClient(url, proxy);
    clients_.emplace(base, client);
    return client;
  }

  // A client of its own, with an empty connection pool.
  std::shared_ptr<http_client> makeClient(const ParsedUrl& url, const std::optional<ParsedUrl>& proxy) const {
    std::string base = url.scheme + "://" + hostPort(url);
    http_client_config config;
    if (proxy) config.set_proxy(web::web_proxy(web::uri("http://" + hostPort(*proxy))));
    config.set_validate_certificates(true);
    config.set_timeout(kSocketTimeout);
    config.set_max_redirects(0);  // see redirectError
    if (!options_.extraCaFile.empty()) {
      config.set_ssl_context_callback([caFile = options_.extraCaFile](boost::asio::ssl::context& context) {
        boost::system::error_code ec;
        context.set_default_verify_paths(ec);
        if (ec) spdlog::warn("http: system CA store not loaded: {}", ec.message());
        ec.clear();
        context.load_verify_file(caFile, ec);
        if (ec) spdlog::error("http: CA file {} not loaded: {}", caFile, ec.message());
      });
    }
    return std::make_shared<http_client>(web::uri(base), config);
  }

  ClientOptions options_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<http_client>> clients_;
  DeadlineTimer timer_;
};

}  // namespace

std::unique_ptr<Transport> makeCpprestTransport(ClientOptions options) {
  return std::make_unique<CpprestTransport>(std::move(options));
}

}  // namespace patbot::http
