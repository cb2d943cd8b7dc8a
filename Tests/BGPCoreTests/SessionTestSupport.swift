import BGPWire
import IPAddressing
@testable import BGPCore

let routerA = PeerConfiguration(localAS: 64512, peerAS: 65000, localIdentifier: IPv4Address(192, 0, 2, 1), holdTime: 90)
let routerB = PeerConfiguration(localAS: 65000, peerAS: 64512, localIdentifier: IPv4Address(192, 0, 2, 2), holdTime: 30)

/// The OPEN router B sends to router A.
var openFromB: OpenMessage { routerB.openMessage }

/// A state machine for router A driven into `state` by the ordinary events.
func machine(in state: SessionState, _ config: PeerConfiguration = routerA) -> SessionStateMachine {
    var m = SessionStateMachine(configuration: config)
    let path: [SessionEvent]
    switch state {
    case .idle: path = []
    case .connect: path = [.start]
    case .active: path = [.startPassive]
    case .openSent: path = [.start, .tcpConnectionEstablished]
    case .openConfirm: path = [.start, .tcpConnectionEstablished, .received(.open(openFromB))]
    case .established: path = [.start, .tcpConnectionEstablished, .received(.open(openFromB)), .received(.keepalive)]
    }
    for e in path { _ = m.handle(e) }
    precondition(m.state == state)
    return m
}

/// A short text for what the actions send and do: "connect", "OPEN", "NOTIFICATION 6/2", "disconnect", "down".
func summary(_ actions: [SessionAction]) -> [String] {
    actions.compactMap { a in
        switch a {
        case .connect: "connect"
        case .disconnect: "disconnect"
        case .send(.open): "OPEN"
        case .send(.keepalive): "KEEPALIVE"
        case .send(.notification(let n)): "NOTIFICATION \(n.code.rawValue)/\(n.subcode)"
        case .send(let m): "\(m.type)"
        case .sessionDown(_, let gr): gr ? "down(stale)" : "down"
        case .established: "established"
        case .deliverUpdate: "deliver UPDATE"
        case .deliverRouteRefresh: "deliver ROUTE-REFRESH"
        case .startTimer, .stopTimer, .stateChanged: nil
        }
    }
}
