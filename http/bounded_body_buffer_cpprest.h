// BoundedBodyBuffer: a write-only cpprest stream buffer that keeps at most a fixed number of bytes.
// Internal to http/ (it includes cpprestsdk); only client_cpprest.cpp uses it.
#pragma once

#include "http/common_cpprest.h"   // first: before any cpprest header

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>

#include <cpprest/astreambuf.h>

namespace patbot::http::detail {

// Thrown (as a failed task) into cpprest's body reader when an answer's body would pass the limit.
class BodyTooLarge : public std::runtime_error {
 public:
  BodyTooLarge() : std::runtime_error("response body over the limit") {}
};

// The response stream of one request: cpprest's client writes the body into it as it arrives
// (putn_nocopy, chunk by chunk, also for chunked bodies). A write that would take the total past
// `limit` keeps nothing of that write and fails with BodyTooLarge, which ends the request with
// that exception; so the bytes held never exceed `limit`. Reading is not supported: take the
// bytes with take() once the body is complete. Writes come from cpprest's I/O thread, take() from
// the waiting caller; a mutex orders them.
class BoundedBodyBuffer final : public Concurrency::streams::details::streambuf_state_manager<uint8_t> {
  using Base = Concurrency::streams::details::streambuf_state_manager<uint8_t>;

 public:
  explicit BoundedBodyBuffer(size_t limit) : Base(std::ios_base::out), limit_(limit) {}

  // The bytes written so far (moved out).
  std::string take() {
    std::lock_guard lock(mutex_);
    return std::move(data_);
  }

  bool can_seek() const override { return false; }
  bool has_size() const override { return false; }
  size_t buffer_size(std::ios_base::openmode = std::ios_base::in) const override { return 0; }
  void set_buffer_size(size_t, std::ios_base::openmode = std::ios_base::in) override {}
  size_t in_avail() const override { return 0; }
  pos_type getpos(std::ios_base::openmode) const override { return static_cast<pos_type>(traits::eof()); }
  pos_type seekpos(pos_type, std::ios_base::openmode) override { return static_cast<pos_type>(traits::eof()); }
  pos_type seekoff(off_type, std::ios_base::seekdir, std::ios_base::openmode) override {
    return static_cast<pos_type>(traits::eof());
  }
  bool acquire(uint8_t*& ptr, size_t& count) override {
    ptr = nullptr;
    count = 0;
    return false;
  }
  void release(uint8_t*, size_t) override {}

 protected:
  pplx::task<int_type> _putc(uint8_t ch) override {
    return append(&ch, 1).then([ch](size_t) { return static_cast<int_type>(ch); });
  }
  pplx::task<size_t> _putn(const uint8_t* ptr, size_t count) override { return append(ptr, count); }
  pplx::task<int_type> _bumpc() override { return pplx::task_from_result<int_type>(traits::eof()); }
  int_type _sbumpc() override { return traits::eof(); }
  pplx::task<int_type> _getc() override { return pplx::task_from_result<int_type>(traits::eof()); }
  int_type _sgetc() override { return traits::eof(); }
  pplx::task<int_type> _nextc() override { return pplx::task_from_result<int_type>(traits::eof()); }
  pplx::task<int_type> _ungetc() override { return pplx::task_from_result<int_type>(traits::eof()); }
  pplx::task<size_t> _getn(uint8_t*, size_t) override { return pplx::task_from_result<size_t>(0); }
  size_t _scopy(uint8_t*, size_t) override { return 0; }
  pplx::task<bool> _sync() override { return pplx::task_from_result(true); }
  uint8_t* _alloc(size_t) override { return nullptr; }  // no alloc/commit: writers fall back to putn
  void _commit(size_t) override {}

 private:
  pplx::task<size_t> append(const uint8_t* ptr, size_t count) {
    std::lock_guard lock(mutex_);
    if (count > limit_ - data_.size()) return pplx::task_from_exception<size_t>(BodyTooLarge());
    data_.append(reinterpret_cast<const char*>(ptr), count);
    return pplx::task_from_result(count);
  }

  const size_t limit_;
  std::mutex mutex_;
  std::string data_;
};

}  // namespace patbot::http::detail
