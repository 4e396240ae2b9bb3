import CCurl
import Foundation
import Synchronization

/// Sends engine requests with libcurl, over a Unix socket, TCP (with TLS when configured) or ssh (each
/// connection the standard input and output of `ssh … docker system dial-stdio`, as the docker CLI does).
///
/// This is the only file that touches libcurl. Each transfer borrows an easy handle from a small pool,
/// so requests on several threads run at once and each handle keeps its connection open for the next.
package final class CurlTransport: EngineTransport, @unchecked Sendable {
    // @unchecked: the only mutable state is `pool`, guarded by `poolLock`; handles are used by one thread at a time.

    package let endpoint: EngineEndpoint
    package let limits: TransferLimits
    private let userAgent: String
    private let isCancelled: @Sendable () -> Bool
    private let poolLock = NSLock()
    private var pool: [UnsafeMutableRawPointer] = []
    /// For `ssh://`: starts one ssh per connection libcurl opens. Outlives the handles (their cached
    /// connections are closed through it when they are cleaned up).
    private let dialer: SSHDialer?

    /// Time limits for one request.
    package struct TransferLimits: Sendable, Hashable {
        /// Limit for connecting.
        package var connect: Double
        /// Limit for a whole ordinary request; for a stream, the longest stall (under `slowestStream` bytes a second).
        package var request: Double

        package init(connect: Double = 10, request: Double = 30) {
            self.connect = connect
            self.request = request
        }
    }

    /// - Parameter isCancelled: polled while a transfer runs (about once a second); `true` aborts it.
    package init(
        endpoint: EngineEndpoint,
        limits: TransferLimits = TransferLimits(),
        userAgent: String = "alert-inspect",
        isCancelled: @escaping @Sendable () -> Bool = { false }
    ) throws(DockerEngineError) {
        if case .recording = endpoint.address {
            throw .invalidEndpoint(endpoint.description, reason: "a recording is replayed, not connected to")
        }
        self.endpoint = endpoint
        self.limits = limits
        self.userAgent = userAgent
        self.isCancelled = isCancelled
        if case .ssh(let destination, let port) = endpoint.address {
            dialer = SSHDialer(destination: destination, port: port, connectTimeout: limits.connect)
        } else {
            dialer = nil
        }
        _ = Self.globalInit
    }

    deinit {
        for handle in pool { curl_easy_cleanup(handle) }
    }

    /// Bytes a second below which a stream counts as stalled once it stays that slow for the request limit.
    package static let slowestStream = 1024

    /// `curl_global_init` once per process; later calls are no-ops by libcurl's contract.
    private static let globalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    package func send(
        _ request: EngineRequest,
        apiVersion: String?,
        head: (ResponseHead) throws -> Void,
        body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let target = request.target(apiVersion: apiVersion)
        // The read-only promise is kept here, below every caller: nothing else reaches the wire.
        guard request.method.isReadOnly else { throw DockerEngineError.methodRefused(request.method, request: target) }

        let handle = try borrowHandle()
        defer { returnHandle(handle) }

        try withoutActuallyEscaping(head) { head in
            try withoutActuallyEscaping(body) { body in
                let transfer = Transfer(head: head, body: body, isCancelled: isCancelled)
                try perform(request, target: target, on: handle, transfer: transfer)
            }
        }
    }

    /// Sends one unary gRPC call over HTTP/2 (prior knowledge: no upgrade, as gRPC servers expect).
    ///
    /// Only `GRPCCall.readOnlyPaths` are sent; anything else is refused here, before a connection is made.
    /// - Returns: the answer's head with its trailers merged in (gRPC puts `grpc-status` there).
    package func send(
        _ call: GRPCCall,
        head: (ResponseHead) throws -> Void,
        body: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> ResponseHead {
        guard call.isReadOnly else { throw DockerEngineError.methodRefused(HTTPMethod(rawValue: "POST"), request: call.path) }
        let request = EngineRequest(HTTPMethod(rawValue: "POST"), call.path.split(separator: "/").map(String.init), isVersioned: false)
        let handle = try borrowHandle()
        defer { returnHandle(handle) }
        return try withoutActuallyEscaping(head) { head in
            try withoutActuallyEscaping(body) { body in
                let transfer = Transfer(head: head, body: body, isCancelled: isCancelled)
                try perform(request, target: call.path, on: handle, transfer: transfer, post: call.body)
                return ResponseHead(status: transfer.status, headers: transfer.headers)
            }
        }
    }

    // MARK: - One transfer

    private func perform(
        _ request: EngineRequest, target: String, on handle: UnsafeMutableRawPointer, transfer: Transfer, post: [UInt8]? = nil
    ) throws {
        curl_easy_reset(handle)  // keeps the connection cache, clears every option
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let described = "\(request.method) \(target)"
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }

        let code: CURLcode = try errorBuffer.withUnsafeMutableBufferPointer { errorBytes in
            try configure(handle, request: request, target: target, errorBuffer: errorBytes.baseAddress)
            if let post { headerList = try configureGRPC(handle, body: post) }
            let context = Unmanaged.passUnretained(transfer).toOpaque()
            try set(handle, CURLOPT_HEADERDATA, pointer: context)
            try set(handle, CURLOPT_WRITEDATA, pointer: context)
            try set(handle, CURLOPT_XFERINFODATA, pointer: context)
            try check(ccurl_easy_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, Transfer.onHeader), "header callback")
            try check(ccurl_easy_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, Transfer.onBody), "write callback")
            try check(ccurl_easy_setopt_progress_callback(handle, CURLOPT_XFERINFOFUNCTION, Transfer.onProgress), "progress callback")
            try set(handle, CURLOPT_NOPROGRESS, 0)
            return withExtendedLifetime(transfer) { curl_easy_perform(handle) }
        }

        if let failure = transfer.failure { throw failure }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw mapFailure(code, handle: handle, request: described, detail: detail, transfer: transfer)
        }
        // A HEAD answer, or a body-less one, ends without a body callback: the head is still owed.
        try transfer.deliverHeadIfNeeded()
    }

    private func configure(
        _ handle: UnsafeMutableRawPointer, request: EngineRequest, target: String,
        errorBuffer: UnsafeMutablePointer<CChar>?
    ) throws {
        try check(ccurl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "error buffer")
        try set(handle, CURLOPT_NOSIGNAL, 1)
        try set(handle, CURLOPT_PATH_AS_IS, 1)  // never let a dot segment be resolved away
        try set(handle, CURLOPT_FOLLOWLOCATION, 0)
        try set(handle, CURLOPT_USERAGENT, string: userAgent)
        try set(handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(limits.connect))
        if request.isStream {
            // Streams may legitimately run long; what must not happen is a stall. A byte now and then
            // is a stall too (a slowloris body would otherwise hold the run forever): no engine
            // streams a finished log or an archive slower than `slowestStream` bytes a second.
            try set(handle, CURLOPT_LOW_SPEED_LIMIT, Self.slowestStream)
            try set(handle, CURLOPT_LOW_SPEED_TIME, max(1, Int(limits.request.rounded(.up))))
        } else {
            try set(handle, CURLOPT_TIMEOUT_MS, milliseconds(limits.request))
        }
        if request.method == .head {
            try set(handle, CURLOPT_NOBODY, 1)
        } else {
            try set(handle, CURLOPT_HTTPGET, 1)
        }

        switch endpoint.address {
        case .unix(let path):
            try set(handle, CURLOPT_UNIX_SOCKET_PATH, string: path)
            try set(handle, CURLOPT_PROTOCOLS_STR, string: "http")
            try set(handle, CURLOPT_URL, string: "http://localhost" + target)
        case .tcp(let host, let port, let basePath, let tls):
            let hostPart = host.contains(":") ? "[\(host)]" : host
            if let tls {
                try set(handle, CURLOPT_PROTOCOLS_STR, string: "https")
                try set(handle, CURLOPT_URL, string: "https://\(hostPart):\(port)\(basePath)\(target)")
                if let ca = tls.caFile { try set(handle, CURLOPT_CAINFO, string: ca) }
                if let cert = tls.certFile { try set(handle, CURLOPT_SSLCERT, string: cert) }
                if let key = tls.keyFile { try set(handle, CURLOPT_SSLKEY, string: key) }
                try set(handle, CURLOPT_SSL_VERIFYPEER, tls.verify ? 1 : 0)
                try set(handle, CURLOPT_SSL_VERIFYHOST, tls.verify ? 2 : 0)
            } else {
                try set(handle, CURLOPT_PROTOCOLS_STR, string: "http")
                try set(handle, CURLOPT_URL, string: "http://\(hostPart):\(port)\(basePath)\(target)")
            }
        case .ssh:
            guard let dialer else { throw DockerEngineError.invalidEndpoint(endpoint.description, reason: "no ssh dialer") }
            // Each connection libcurl opens to the dialer's private socket becomes one ssh's standard input
            // and output. (A socket handed over by CURLOPT_OPENSOCKETFUNCTION as already connected would save
            // the socket file, but libcurl 7.88, Debian 12's, connects such a socket again and fails.)
            try set(handle, CURLOPT_UNIX_SOCKET_PATH, string: try dialer.socketPath())
            try set(handle, CURLOPT_PROTOCOLS_STR, string: "http")
            try set(handle, CURLOPT_URL, string: "http://docker" + target)
        case .recording:
            throw DockerEngineError.invalidEndpoint(endpoint.description, reason: "not a live engine")
        }
    }

    /// A gRPC unary call: `POST` over HTTP/2 with prior knowledge, gRPC's headers, the body copied to libcurl.
    /// - Returns: the header list, which must outlive the transfer.
    private func configureGRPC(_ handle: UnsafeMutableRawPointer, body: [UInt8]) throws -> UnsafeMutablePointer<curl_slist>? {
        try set(handle, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE))
        // A fresh connection per call: Debian 12's libcurl (7.88) fails the next POST on a reused
        // prior-knowledge HTTP/2 connection ("Error in the HTTP2 framing layer") before it is sent.
        try set(handle, CURLOPT_FRESH_CONNECT, 1)
        try set(handle, CURLOPT_FORBID_REUSE, 1)
        try set(handle, CURLOPT_POST, 1)
        try set(handle, CURLOPT_POSTFIELDSIZE, body.count)
        try body.withUnsafeBytes { bytes in
            try check(ccurl_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress)), "request body")
        }
        var list: UnsafeMutablePointer<curl_slist>?
        for line in ["content-type: application/grpc", "te: trailers", "Expect:"] {
            guard let longer = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                throw DockerEngineError.transport(endpoint: endpoint.description, request: "setup", detail: "curl_slist_append failed")
            }
            list = longer
        }
        do { try check(ccurl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list), "gRPC headers") } catch {
            curl_slist_free_all(list)
            throw error
        }
        return list
    }

    // MARK: - Errors

    /// Turns a libcurl failure into the error a user can act on; socket problems are told apart by
    /// looking at the socket file ourselves, since libcurl reports all of them as "couldn't connect".
    private func mapFailure(
        _ code: CURLcode, handle: UnsafeMutableRawPointer, request: String, detail: String, transfer: Transfer
    ) -> DockerEngineError {
        let where_ = endpoint.description
        let text = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        switch code {
        case CURLE_ABORTED_BY_CALLBACK where transfer.wasCancelled:
            return .cancelled(request: request)
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut(endpoint: where_, request: request, seconds: limits.request)
        case _ where dialer?.failure != nil:
            return .transport(endpoint: where_, request: request, detail: dialer?.failure ?? text)
        case _ where dialer != nil && [CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR].contains(code):
            return .transport(
                endpoint: where_, request: request,
                detail: "\(text): ssh ended the connection (is docker installed on the remote host, and may this user use it? ssh's own message, if any, is above)")
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST:
            var osErrno = 0
            _ = ccurl_easy_getinfo_long(handle, CURLINFO_OS_ERRNO, &osErrno)
            if case .unix(let path) = endpoint.address {
                return Self.socketFailure(path: path, osErrno: Int32(osErrno), endpoint: where_, request: request, detail: text)
            }
            if osErrno == Int(ECONNREFUSED) { return .connectionRefused(endpoint: where_) }
            if osErrno == Int(ETIMEDOUT) { return .timedOut(endpoint: where_, request: request, seconds: limits.connect) }
            return .transport(endpoint: where_, request: request, detail: text)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ENGINE_NOTFOUND,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT:
            return .tls(endpoint: where_, detail: Self.explainingPlainPort(text))
        default:
            return .transport(endpoint: where_, request: request, detail: "\(text) (curl error \(code.rawValue))")
        }
    }

    /// OpenSSL's words for a peer that answered in plain text ("wrong version number", "packet length too
    /// long") mean TLS was spoken to a port without it; say so.
    package static func explainingPlainPort(_ detail: String) -> String {
        let plain = ["wrong version number", "packet length too long", "http request", "record layer failure"]
        guard plain.contains(where: { detail.lowercased().contains($0) }) else { return detail }
        return detail + " — the port answered without TLS: use tcp:// (and unset DOCKER_TLS_VERIFY) for a plain port, "
            + "or the engine's TLS port (usually 2376)"
    }

    /// Socket missing, permission denied or refused, decided from the path and the saved errno.
    package static func socketFailure(
        path: String, osErrno: Int32, endpoint: String, request: String, detail: String
    ) -> DockerEngineError {
        var info = stat()
        if lstat(path, &info) != 0 {
            if errno == EACCES { return .permissionDenied(path: path) }  // a parent folder is closed to us
            return .socketMissing(path: path)
        }
        if osErrno == EACCES || osErrno == EPERM || access(path, R_OK | W_OK) != 0 {
            return .permissionDenied(path: path)
        }
        if (info.st_mode & S_IFMT) != S_IFSOCK {
            return .transport(endpoint: endpoint, request: request, detail: "\(path) exists but is not a socket")
        }
        if osErrno == ECONNREFUSED || osErrno == 0 { return .connectionRefused(endpoint: endpoint) }
        return .transport(endpoint: endpoint, request: request, detail: detail)
    }

    // MARK: - Typed setopt wrappers

    private func set(_ handle: UnsafeMutableRawPointer, _ option: CURLoption, _ value: Int) throws {
        try check(ccurl_easy_setopt_long(handle, option, value), "option \(option.rawValue)")
    }

    private func set(_ handle: UnsafeMutableRawPointer, _ option: CURLoption, string value: String) throws {
        try check(ccurl_easy_setopt_string(handle, option, value), "option \(option.rawValue)")
    }

    private func set(_ handle: UnsafeMutableRawPointer, _ option: CURLoption, pointer value: UnsafeMutableRawPointer) throws {
        try check(ccurl_easy_setopt_pointer(handle, option, value), "option \(option.rawValue)")
    }

    /// The one place a libcurl setup code is checked: a libcurl without Unix sockets or TLS is a clear error.
    private func check(_ code: CURLcode, _ what: String) throws {
        guard code == CURLE_OK else {
            throw DockerEngineError.transport(
                endpoint: endpoint.description, request: "setup",
                detail: "libcurl refused \(what): \(String(cString: curl_easy_strerror(code)))")
        }
    }

    private func milliseconds(_ seconds: Double) -> Int { max(1, Int((seconds * 1000).rounded())) }

    // MARK: - Handle pool

    private func borrowHandle() throws -> UnsafeMutableRawPointer {
        poolLock.lock()
        let pooled = pool.popLast()
        poolLock.unlock()
        if let pooled { return pooled }
        guard let handle = curl_easy_init() else {
            throw DockerEngineError.transport(endpoint: endpoint.description, request: "setup", detail: "curl_easy_init failed")
        }
        return handle
    }

    private func returnHandle(_ handle: UnsafeMutableRawPointer) {
        poolLock.lock()
        pool.append(handle)
        poolLock.unlock()
    }
}

/// The state of one transfer, reached from libcurl's C callbacks through an unretained pointer.
/// Lives on the stack of `perform` for exactly as long as `curl_easy_perform` runs.
private final class Transfer {
    let head: (ResponseHead) throws -> Void
    let body: (UnsafeRawBufferPointer) throws -> Void
    let isCancelled: () -> Bool
    var status = 0
    var headers: [String: String] = [:]
    var headDelivered = false
    var failure: (any Error)?
    var wasCancelled = false

    init(head: @escaping (ResponseHead) throws -> Void, body: @escaping (UnsafeRawBufferPointer) throws -> Void,
         isCancelled: @escaping () -> Bool) {
        self.head = head
        self.body = body
        self.isCancelled = isCancelled
    }

    static func from(_ context: UnsafeMutableRawPointer?) -> Transfer? {
        guard let context else { return nil }
        return Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    }

    func deliverHeadIfNeeded() throws {
        guard !headDelivered else { return }
        headDelivered = true
        try head(ResponseHead(status: status, headers: headers))
    }

    /// One header line per call, status line included; a new status line (after a 1xx) starts over.
    static let onHeader: ccurl_data_callback = { data, size, count, context in
        let length = size * count
        guard let transfer = from(context), let data else { return 0 }
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            let parts = line.split(separator: " ", maxSplits: 2)
            transfer.status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            transfer.headers = [:]
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            transfer.headers[name] = value
        } else if line.isEmpty, transfer.status >= 200 {
            do { try transfer.deliverHeadIfNeeded() } catch {
                transfer.failure = error
                return 0
            }
        }
        return length
    }

    static let onBody: ccurl_data_callback = { data, size, count, context in
        let length = size * count
        guard let transfer = from(context) else { return 0 }
        do {
            try transfer.deliverHeadIfNeeded()
            try transfer.body(UnsafeRawBufferPointer(start: data, count: length))
        } catch {
            transfer.failure = error
            return 0  // makes libcurl stop with a write error; `failure` says why
        }
        return length
    }

    static let onProgress: ccurl_progress_callback = { context, _, _, _, _ in
        guard let transfer = from(context) else { return 1 }
        if transfer.isCancelled() {
            transfer.wasCancelled = true
            return 1
        }
        return 0
    }
}
