#include "handlers/tracking_issues.h"

namespace patbot::handlers {

std::optional<IssueRef> TrackingIssues::openFor(int64_t tokenId) const {
  auto r = store_.trackingIssue(tokenId);
  if (!r || !*r || (*r)->state != "opened") return std::nullopt;
  return IssueRef{(*r)->project, (*r)->iid};
}

Result<std::optional<storage::TrackingIssueRecord>> TrackingIssues::remembered(int64_t tokenId) const {
  return store_.trackingIssue(tokenId);
}

Status TrackingIssues::remember(const storage::TrackingIssueRecord& record) const {
  return store_.saveTrackingIssue(record);
}

}  // namespace patbot::handlers
