package certifytest

import (
	"net"
	"sync"
)

// handover is the marketplace's socket, handed from one server to the
// next without closing it, so that its URL, known before Certify, stays
// the same: connections go to the listener before returns until that is
// closed, then to the handover itself, which certify.Run serves and
// closes.
type handover struct {
	net.Listener
	conns chan net.Conn
	done  chan struct{} // the socket is closed
	once  sync.Once
	early *phase
}

func newHandover(ln net.Listener) *handover {
	h := &handover{Listener: ln, conns: make(chan net.Conn), done: make(chan struct{})}
	h.early = &phase{h: h, closed: make(chan struct{})}
	go h.accept()
	return h
}

func (h *handover) accept() {
	for {
		c, err := h.Listener.Accept()
		if err != nil {
			h.Close()
			return
		}
		select {
		case h.conns <- c:
		case <-h.done:
			c.Close()
			return
		}
	}
}

// before is the listener served until Certify; closing it hands the
// connections still to come to Accept.
func (h *handover) before() net.Listener { return h.early }

// Accept returns the connections that come once before's listener is
// closed.
func (h *handover) Accept() (net.Conn, error) {
	select {
	case <-h.early.closed:
	case <-h.done:
		return nil, net.ErrClosed
	}
	select {
	case c := <-h.conns:
		return c, nil
	case <-h.done:
		return nil, net.ErrClosed
	}
}

// Close closes the socket.
func (h *handover) Close() error {
	var err error
	h.once.Do(func() {
		close(h.done)
		err = h.Listener.Close()
	})
	return err
}

// phase is the listener served until Certify.
type phase struct {
	h      *handover
	closed chan struct{}
	once   sync.Once
}

func (p *phase) Accept() (net.Conn, error) {
	select {
	case <-p.closed:
		return nil, net.ErrClosed
	default:
	}
	select {
	case c := <-p.h.conns:
		return c, nil
	case <-p.closed:
		return nil, net.ErrClosed
	case <-p.h.done:
		return nil, net.ErrClosed
	}
}

func (p *phase) Close() error {
	p.once.Do(func() { close(p.closed) })
	return nil
}

func (p *phase) Addr() net.Addr { return p.h.Addr() }
