// The notifier as the HTTP layer sees it: the paged notification API
// (contract §1.7, N1/N2).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace lucid::services {

struct NotificationPage {
  int64_t size = 0;                        // the effective page size (not the item count)
  std::string next;                        // "" on the last page
  std::vector<std::string> notifications;  // Clair JSON of each Notification
};

class NotifierService {
 public:
  virtual ~NotifierService() = default;
  // An unknown set gives an empty page, as Clair's does. `next` = "" or the
  // id of the last notification of the previous page.
  virtual Result<NotificationPage> Notifications(const std::string& set_id, int64_t page_size,
                                                 const std::string& next) = 0;
  // NotFound when no receipt exists for `set_id`.
  virtual Status DeleteNotifications(const std::string& set_id) = 0;
};

}  // namespace lucid::services
