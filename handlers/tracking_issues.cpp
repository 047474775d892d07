#include "handlers/tracking_issues.h"

namespace patbot::handlers {

std::optional<IssueRef> TrackingIssues::openFor(int64_t tokenId) const {
  auto r = store_.trackingIssue(tokenId);
  if (!r || !*r || (*r)->state != "opened") return std::nullopt;
  return IssueRef{(*r)->project, (*r)->iid};
}

}  // namespace patbot::handlers
