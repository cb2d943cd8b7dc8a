import CNetlinkShim
import Glibc

/// A dedicated thread that enters a network namespace once (`setns(fd, CLONE_NEWNET)` switches
/// only the calling thread) and runs work there synchronously. Netlink sockets opened on it stay
/// bound to that namespace, and so does `/proc/sys/net` opened from it (measured on 6.18: the
/// sysctl tree follows the network namespace of the *thread* that opens it).
///
/// `ip netns exec NS CMD` for code: `try thread.run { try NetlinkSocket().links() }`.
public final class NamespaceThread: Sendable {
    public var namespace: NetworkNamespace { core.namespace }
    private let core: Core

    /// Starts the thread and enters `namespace`; throws if setns fails (no thread is left behind).
    public init(namespace: NetworkNamespace) throws {
        core = try Core(namespace: namespace)
    }

    /// Runs `body` on the namespace thread and waits for it (called from the thread itself, e.g.
    /// inside another `run`, it simply runs `body`).
    public func run<T>(_ body: () throws -> T) throws -> T { try core.run(body) }

    /// Runs `body` with this thread's own rtnetlink socket (opened on first use, inside the namespace).
    public func netlink<T>(_ body: (NetlinkSocket) throws -> T) throws -> T { try core.netlink(body) }

    /// Stops the thread after the queued work (also done on deinit). Idempotent.
    public func stop() { core.stop() }

    deinit { core.stop() }
}

/// The thread's state, retained by the thread itself while it runs (so the public wrapper's
/// deinit can stop and join it).
private final class Core: @unchecked Sendable {
    let namespace: NetworkNamespace
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let finished = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [() -> Void] = []
    private var stopping = false
    private var started: Int32?   // 0 when setns succeeded, the errno otherwise
    private var thread = pthread_t()
    private var socket: NetlinkSocket?   // touched only on the thread

    init(namespace: NetworkNamespace) throws {
        self.namespace = namespace
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wake, nil)
        pthread_cond_init(finished, nil)
        let box = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { argument in
            let me = Unmanaged<Core>.fromOpaque(argument!).takeRetainedValue()
            me.main()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<Core>.fromOpaque(box).release()
            throw NetlinkError.system(call: "pthread_create", errno: rc)
        }
        pthread_mutex_lock(lock)
        while started == nil { pthread_cond_wait(finished, lock) }
        let status = started!
        pthread_mutex_unlock(lock)
        if status != 0 {
            pthread_join(thread, nil)
            throw NetlinkError.system(call: "setns(\(namespace.path), CLONE_NEWNET)", errno: status)
        }
    }

    private func main() {
        let status: Int32 = routed_setns_net(namespace.fileDescriptor) == 0 ? 0 : errno
        pthread_mutex_lock(lock)
        started = status
        pthread_cond_broadcast(finished)
        guard status == 0 else { pthread_mutex_unlock(lock); return }
        while true {
            while jobs.isEmpty && !stopping { pthread_cond_wait(wake, lock) }
            if jobs.isEmpty && stopping { break }
            let job = jobs.removeFirst()
            pthread_mutex_unlock(lock)
            job()
            pthread_mutex_lock(lock)
        }
        pthread_mutex_unlock(lock)
        socket = nil
    }

    func run<T>(_ body: () throws -> T) throws -> T {
        if isCurrentThread { return try body() }
        // The closure and its result cross to the other thread and back while this one waits,
        // so nothing is shared concurrently: an unchecked box is enough.
        let box = UncheckedBox<Result<T, any Error>?>(nil)
        var done = false
        try withoutActuallyEscaping(body) { body in
            // Held as an optional and dropped before signalling, so the non-escaping closure has
            // no reference left anywhere when withoutActuallyEscaping checks it.
            let work = UncheckedBox<(() throws -> T)?>(body)
            let doneFlag = UncheckedBox(UnsafeMutablePointer<Bool>.allocate(capacity: 1))
            doneFlag.value.initialize(to: false)
            defer { doneFlag.value.deallocate() }
            pthread_mutex_lock(lock)
            guard !stopping else {
                pthread_mutex_unlock(lock)
                throw NetlinkError.invalidArgument("namespace thread for \(namespace.path) has stopped")
            }
            jobs.append {
                let result = Result { try work.value!() }
                work.value = nil
                pthread_mutex_lock(self.lock)
                box.value = result
                doneFlag.value.pointee = true
                pthread_cond_broadcast(self.finished)
                pthread_mutex_unlock(self.lock)
            }
            pthread_cond_signal(wake)
            while !doneFlag.value.pointee { pthread_cond_wait(finished, lock) }
            done = true
            pthread_mutex_unlock(lock)
        }
        precondition(done)
        return try box.value!.get()
    }

    func netlink<T>(_ body: (NetlinkSocket) throws -> T) throws -> T {
        try run {
            if socket == nil { socket = try NetlinkSocket() }
            return try body(socket!)
        }
    }

    /// True on the namespace thread itself (`thread` is written before the thread can run jobs).
    var isCurrentThread: Bool {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return started == 0 && pthread_equal(thread, pthread_self()) != 0
    }

    func stop() {
        pthread_mutex_lock(lock)
        let wasStopping = stopping
        let running = started == 0
        stopping = true
        pthread_cond_signal(wake)
        pthread_mutex_unlock(lock)
        if !wasStopping && running { pthread_join(thread, nil) }
    }

    deinit {
        pthread_mutex_destroy(lock)
        pthread_cond_destroy(wake)
        pthread_cond_destroy(finished)
        lock.deallocate()
        wake.deallocate()
        finished.deallocate()
    }
}

final class UncheckedBox<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
