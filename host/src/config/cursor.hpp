// Walks the words of one configuration line the way IOS's parser does: keywords match
// case-insensitively and may be abbreviated to any unique prefix; a failure remembers the word it
// happened at, for the '^' marker, and whether the line simply ended too early.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hubsec/host/config/model.hpp"

namespace hubsec::host::config::detail {

struct Word {
  std::string text;
  int column = 0;  // in the line as written
};

std::vector<Word> split_words(std::string_view line);

class Cursor {
 public:
  Cursor(std::string_view line, const std::vector<Word>& words) : line_(line), words_(words) {}

  bool at_end() const { return pos_ >= words_.size(); }
  std::size_t position() const { return pos_; }

  // Index of the keyword the next word abbreviates, or nullopt (failure recorded).
  std::optional<std::size_t> choose(std::initializer_list<std::string_view> keywords);
  bool keyword(std::string_view kw) { return choose({kw}).has_value(); }
  // Like choose(), but a missing word is not a failure: returns nullopt and consumes nothing.
  std::optional<std::size_t> optional_choice(std::initializer_list<std::string_view> keywords);

  std::optional<std::string> name();  // any word
  std::optional<std::uint64_t> number(std::uint64_t min, std::uint64_t max);
  std::optional<Ipv4> address();
  std::optional<Ipv4> mask();  // a dotted mask with contiguous ones
  // IOS's LINE argument: everything from the next word to the end of the line, as written.
  std::optional<std::string> rest_of_line();
  // The line must end here.
  bool end();
  // Step back over the word just consumed (it parsed, but its value was refused).
  void rewind_one() {
    if (pos_ > 0) {
      { --pos_; }
    }
  }

  bool failed() const { return failed_; }
  bool incomplete() const { return incomplete_; }
  std::size_t failed_at() const { return fail_pos_; }
  int caret_column() const;

 private:
  bool fail_here();
  const Word* peek() const { return at_end() ? nullptr : &words_[pos_]; }

  std::string_view line_;
  const std::vector<Word>& words_;
  std::size_t pos_ = 0;
  bool failed_ = false;
  bool incomplete_ = false;
  std::size_t fail_pos_ = 0;
};

}  // namespace hubsec::host::config::detail
