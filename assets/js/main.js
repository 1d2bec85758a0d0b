/* Start-up: the routes, global listeners, the first render. */

import { t } from './i18n.js';
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
import { alertsPage, auditPage, systemPage, userPage, usersPage } from './pages/admin.js';
import { whatsappPage } from './pages/whatsapp.js';
import { forecastPage, inventoryPage, pricesPage, recommendationsPage } from './pages/intelligence.js';

route('/', dashboardPage, ALL, t('Dashboard'));
route('/account', accountPage, ALL, t('Your account'));
route('/orders', ordersPage, ALL, t('Orders'));
route('/orders/new', newOrderPage, STAFF, t('New order'));
route('/orders/:id', orderPage, ALL, t('Order'));
route('/products', productsPage, STAFF, t('Products'));
route('/products/:id', productPage, STAFF, t('Product'));
route('/listings', listingsPage, [...STAFF, 'vendor'], t('Listings'));
route('/inventory', inventoryPage, [...STAFF, 'vendor'], t('Inventory'));
route('/forecast/:id', forecastPage, [...STAFF, 'vendor'], t('Forecast'));
route('/prices', pricesPage, STAFF, t('Prices'));
route('/recommendations', recommendationsPage, STAFF, t('Recommendations'));
route('/match', matchPage, STAFF, t('Match tester'));
route('/vendors', vendorsPage, STAFF, t('Vendors'));
route('/vendors/:id', vendorPage, STAFF, t('Vendor'));
route('/retailers', retailersPage, STAFF, t('Retailers'));
route('/retailers/:id', retailerPage, [...STAFF, 'retailer'], t('Retailer'));
route('/payments', paymentsPage, STAFF, t('Payments'));
route('/alerts', alertsPage, STAFF, t('Alerts'));
route('/whatsapp', whatsappPage, STAFF, t('WhatsApp'));
route('/users', usersPage, ADMIN, t('Users'));
route('/users/:id', userPage, ADMIN, t('User'));
route('/audit', auditPage, ADMIN, t('Audit log'));
route('/system', systemPage, ADMIN, t('System'));

window.addEventListener('hashchange', render);
window.addEventListener('unhandledrejection', (ev) => toast(errorText(ev.reason), 'error'));
window.addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape') toggleNav(false);
});

session.load();
render();
