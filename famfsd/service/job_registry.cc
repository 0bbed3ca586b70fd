#include "service/job_registry.h"

namespace famfs::service {

void JobRegistry::sweep(uint64_t now_us) {
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    if (it->first->completed() && it->second == 0) it->second = now_us;
    if (it->second != 0 && now_us - it->second > linger_us_) {
      it = jobs_.erase(it);
    } else {
      if (!it->first->completed()) it->first->publish_progress();
      ++it;
    }
  }
}

void JobRegistry::publish_progress() {
  for (auto& [job, completed_at] : jobs_) job->publish_progress();
}

void JobRegistry::cancel_all() {
  for (auto& [job, completed_at] : jobs_) job->request_cancel();
}

}  // namespace famfs::service
