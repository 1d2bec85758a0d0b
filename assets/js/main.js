/* Start-up: the routes, global listeners, the first render. */

import { session } from './api.js';
import { errorText, toast } from './ui.js';
import { ADMIN, ALL, STAFF, render, route, toggleNav } from './router.js';
import { accountPage } from './pages/login.js';
import { dashboardPage } from './pages/dashboard.js';
import { newOrderPage, orderPage, ordersPage } from './pages/orders.js';
import { listingsPage, matchPage, productPage, productsPage } from './pages/products.js';
import { vendorPage, vendorsPage } from './pages/vendors.js';
import { retailerPage, retailersPage } from './pages/retailers.js';
import { paymentsPage } from './pages/payments.js';
import { alertsPage, auditPage, userPage, usersPage } from './pages/admin.js';
import { whatsappPage } from './pages/whatsapp.js';

route('/', dashboardPage, ALL, 'Dashboard');
route('/account', accountPage, ALL, 'Your account');
route('/orders', ordersPage, ALL, 'Orders');
route('/orders/new', newOrderPage, STAFF, 'New order');
route('/orders/:id', orderPage, ALL, 'Order');
route('/products', productsPage, STAFF, 'Products');
route('/products/:id', productPage, STAFF, 'Product');
route('/listings', listingsPage, [...STAFF, 'vendor'], 'Listings');
route('/match', matchPage, STAFF, 'Match tester');
route('/vendors', vendorsPage, STAFF, 'Vendors');
route('/vendors/:id', vendorPage, STAFF, 'Vendor');
route('/retailers', retailersPage, STAFF, 'Retailers');
route('/retailers/:id', retailerPage, [...STAFF, 'retailer'], 'Retailer');
route('/payments', paymentsPage, STAFF, 'Payments');
route('/alerts', alertsPage, STAFF, 'Alerts');
route('/whatsapp', whatsappPage, STAFF, 'WhatsApp');
route('/users', usersPage, ADMIN, 'Users');
route('/users/:id', userPage, ADMIN, 'User');
route('/audit', auditPage, ADMIN, 'Audit log');

window.addEventListener('hashchange', render);
window.addEventListener('unhandledrejection', (ev) => toast(errorText(ev.reason), 'error'));
window.addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape') toggleNav(false);
});

session.load();
render();
