// Header access by name over osip_message_t. libosip2 keeps some headers in
// typed fields (Contact, Via, From, ...) and the rest in a generic list; a
// porter asking for "Contact" should not need to know which is which.
#pragma once

#include <osipparser2/osip_message.h>

#include <string>
#include <vector>

namespace exosip {

/// Every value of header `name` (case-insensitive, compact forms accepted), in
/// message order, as libosip2 serializes them.
std::vector<std::string> GetHeaderValues(osip_message_t* msg, const std::string& name);

/// Appends one header; typed headers are parsed (a malformed value gives a
/// negative OSIP code and leaves the message as it was).
int AddHeader(osip_message_t* msg, const std::string& name, const std::string& value);

/// Removes every header called `name`; returns how many were removed.
int RemoveHeaders(osip_message_t* msg, const std::string& name);

}  // namespace exosip
